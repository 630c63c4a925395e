// A stand-in vitrine server for the client tests: a Thrift server on a Unix
// socket whose handler records each call and answers what the test scripts.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "vitrine/api/Vitrine.h"

namespace apache::thrift::server {
class TThreadedServer;
}

namespace vitrine::test {

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
