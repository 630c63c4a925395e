// Helpers for the client tests: environment and temporary directories, a
// child-process runner for the CLI, and two stand-in peers: a raw Unix
// socket listener that misbehaves on purpose, and a Thrift server with a
// scripted vitrine handler. None of them needs a real vitrine server.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "vitrine/api/Vitrine.h"

namespace apache::thrift::server {
class TThreadedServer;
}

namespace vitrine::test {

/// Sets (or, with nullopt, unsets) an environment variable for the life of
/// the object and restores the old value after. Test thread only.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

/// A fresh directory under /tmp (short enough for Unix socket paths),
/// removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  /// path() + "/" + name.
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// What a finished child process left behind.
struct ProcessResult {
  int exitCode = -1;  // -1 if it did not exit normally (killed by a signal)
  std::string out;
  std::string err;
};

/// Runs `program` with `args`, feeding `input` on stdin, and collects its
/// output. `env` entries override the test's environment (nullopt unsets).
/// Fails the current test and kills the child if it runs for more than
/// 60 s.
ProcessResult runProcess(const std::string& program, const std::vector<std::string>& args,
                         const std::map<std::string, std::optional<std::string>>& env = {},
                         const std::string& input = {});

/// A complete PNG file: one red pixel.
std::string redPixelPng();

/// The first bytes of a JPEG/JFIF file (start-of-image, then an APP0 JFIF
/// segment): enough for signature detection, not a decodable image.
std::string jpegStart();

/// Writes `bytes` to `path` (binary), replacing the file.
void writeFile(const std::string& path, const std::string& bytes);

/// Runs the `vitrine` tool built with the tests, with VITRINE_ADDRESS
/// pointing nowhere unless `env` sets it: a test that should stop at a
/// usage error (2) cannot pass by reaching a server, and one that tries to
/// connect fails with 3, not by luck. As runProcess otherwise.
ProcessResult runVitrine(const std::vector<std::string>& args,
                         std::map<std::string, std::optional<std::string>> env = {}, const std::string& input = {});

/// Exit code, stdout and stderr of `result`, for failure messages.
std::string describe(const ProcessResult& result);

/// Checks the tool's promise for every failure: exactly one line on
/// stderr, starting "vitrine: ". Adds test failures otherwise.
void expectOneErrorLine(const ProcessResult& result);

/// A Unix socket listener that accepts connections and then, depending on
/// the mode, never answers, closes at once, or sends one frame that is not
/// a Thrift message. Accepts on its own thread until destroyed.
class RawListener {
 public:
  enum class Mode { NeverAnswer, CloseAtOnce, SendGarbage };

  RawListener(std::string path, Mode mode);
  ~RawListener();
  RawListener(const RawListener&) = delete;
  RawListener& operator=(const RawListener&) = delete;

  const std::string& path() const { return path_; }
  /// Waits until `count` connections have been accepted (at most 10 s);
  /// returns whether they were.
  bool waitForAccepts(int count);
  int accepted();

 private:
  void acceptLoop();

  std::string path_;
  Mode mode_;
  int listenFd_ = -1;
  int wakeFds_[2] = {-1, -1};
  std::vector<int> connections_;
  std::mutex mutex_;
  std::condition_variable acceptedChanged_;
  int accepted_ = 0;
  std::thread thread_;
};

/// What the scripted handler remembers and answers. Guarded by FakeServer's
/// lock; read it through FakeServer::state(), script it through edit().
struct FakeState {
  api::PushResult::type pushResult = api::PushResult::OK;
  std::string lastName;
  std::string lastUrl;
  std::string lastHtml;
  std::optional<std::int32_t> lastTimeoutMs;
  int whatsLoadedCalls = 0;
  int connections = 0;
  /// The tokens authenticate() was given, in order (it accepts any).
  std::vector<std::string> tokens;

  // --- Media commands: what the last call was given...
  std::string lastText;  // say, sayAndWait
  api::SayOptions lastSayOptions;
  api::Question lastQuestion;
  api::FileChooser lastChooser;
  api::Color lastInitialColor;
  api::ColorChooser lastColorChooser;
  api::Picture lastPicture;  // showPicture, updatePicture
  api::PictureOptions lastPictureOptions;
  std::int64_t lastUpdatedWindow = -1;
  std::vector<std::pair<std::int64_t, std::int32_t>> waitEventsCalls;  // afterSequence, timeoutMs

  // ...and what the next one answers.
  std::string sayAndWaitAction;  // sayAndWait's answer
  api::Answer answer;            // ask's answer, as it is
  std::string chosenPath = "/home/person/chosen.txt";
  api::Color chosenColor;
  /// When set, ask, chooseFile and chooseColor throw DialogCanceled with it.
  std::optional<api::CloseReason::type> cancelDialogs;
  /// How long ask, chooseFile and chooseColor take to answer.
  std::chrono::milliseconds dialogDelay{0};
  /// say and showPicture throw LimitExceeded once this many windows are open.
  std::size_t maxWindows = 100;

  /// The open windows but the stage, by id. say and showPicture add one
  /// (POPUP, PICTURE); closeWindow removes it and logs WINDOW_CLOSED.
  std::map<std::int64_t, api::WindowInfo> windows;
  std::int64_t nextWindowId = 1;
  /// The event log, oldest first. An EVENTS_MISSED entry (sequence 0) is
  /// returned along with the event after it.
  std::vector<api::Event> events;
};

/// A Thrift server on a Unix socket, with a handler that records calls and
/// answers from FakeState. whatsLoaded() answers "call N" (N counting from
/// 1); holdWhatsLoaded() makes it wait until releaseWhatsLoaded().
/// screenshot() answers pngBytes() for the stage and open windows, and
/// throws WindowNotFound for any other id. ask() throws InvalidArgument
/// when minimum > maximum. waitEvents() answers the logged events after
/// afterSequence (-1: after the newest), or waits up to its timeout (at
/// most 10 s) for addEvent().
class FakeServer {
 public:
  FakeServer(std::string path, bool compact = false);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  const std::string& path() const { return path_; }
  std::string address() const { return "unix:" + path_; }
  FakeState state();
  void setPushResult(api::PushResult::type result);
  /// Runs `change` on the state under the handler's lock.
  void edit(const std::function<void(FakeState&)>& change);
  /// Appends `event` to the log, with the next sequence number (unless it
  /// is EVENTS_MISSED, which keeps 0), and wakes a waiting waitEvents().
  void addEvent(api::Event event);
  /// Waits (at most 10 s) until a waitEvents() call with a timeout is
  /// waiting for an event; returns whether one is.
  bool waitForLongPoll();
  void holdWhatsLoaded();
  void releaseWhatsLoaded();
  /// Stops serving and closes every connection; start() serves again on
  /// the same path.
  void stop();
  void start();

  /// Bytes that look like a PNG, with a NUL and high bytes in them, so a
  /// text-mode copy anywhere would show.
  static std::string pngBytes();

 private:
  class Handler;
  class Events;

  std::string path_;
  bool compact_;
  std::shared_ptr<Handler> handler_;
  std::shared_ptr<apache::thrift::server::TThreadedServer> server_;
  std::thread thread_;
};

}  // namespace vitrine::test
