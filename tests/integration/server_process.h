// Starts the real vitrine-server as a child process for integration tests.
#pragma once

#include <sys/types.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "vitrine/endpoint.h"

namespace vitrine::testing {

/// A headless vitrine-server (QT_QPA_PLATFORM=offscreen) on a private Unix
/// socket in a fresh temporary directory, plus a loopback TCP port.
/// The constructor returns once every listener has printed its
/// "vitrine: listening on ..." line (or throws after a deadline).
/// The destructor stops the server with SIGTERM and waits for it.
class ServerProcess {
 public:
  /// Where the server's standard error goes.
  enum class Log {
    Inherited,  ///< the test's own stderr (ctest shows it on failure)
    Captured,   ///< a file in directory(), read with log()
  };

  /// `extraArgs` are appended to vitrine-server's command line.
  explicit ServerProcess(std::vector<std::string> extraArgs = {}, Log log = Log::Inherited);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const Endpoint& unixEndpoint() const { return unix_; }
  const Endpoint& tcpEndpoint() const { return tcp_; }
  const std::string& directory() const { return directory_; }
  pid_t pid() const { return pid_; }

  /// Sends SIGTERM and waits (with a deadline) for the exit; returns the
  /// exit status, or -1 if it was killed by a signal. Idempotent.
  int stop();
  /// True while the process has not exited.
  bool running();
  /// What the server has written to standard error so far (Log::Captured; else empty).
  std::string log() const;

 private:
  std::string directory_;
  pid_t pid_ = -1;
  int exitStatus_ = -1;
  bool exited_ = false;
  Endpoint unix_;
  Endpoint tcp_;
};

/// A test suite sharing one server, started before its first test with
/// `Suite::serverArgs()` and stopped after its last (CRTP: `class Stage :
/// public SharedServerSuite<Stage>`). Each test case that ctest runs in a
/// process of its own gets a server of its own.
template <class Suite>
class SharedServerSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<ServerProcess>(Suite::serverArgs()); }
  static void TearDownTestSuite() { server_.reset(); }
  static inline std::unique_ptr<ServerProcess> server_;
};

/// A private temporary directory for files a test gives the server (token
/// files, certificates); removed with everything in it at the end.
class TokenDirectory {
 public:
  TokenDirectory();
  ~TokenDirectory();
  TokenDirectory(const TokenDirectory&) = delete;
  TokenDirectory& operator=(const TokenDirectory&) = delete;
  /// Writes `content` to NAME with `mode`; returns its path.
  std::string write(const std::string& name, const std::string& content, mode_t mode = 0600) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Sets an environment variable for the life of the object (nullopt: unsets
/// it), for code and commands that read it (the CLI runs with our environment).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

/// The build's bin/ directory (where vitrine-server and vitrine are).
std::string binDirectory();

/// The bytes /proc/PID/status gives for `key` ("VmRSS", "VmHWM"); 0 if absent.
std::size_t statusBytes(pid_t pid, const std::string& key);

/// Calls `predicate` every 20 ms until it is true or `deadline` passes;
/// returns its last answer. For polling the server's state, which sends no
/// event to wait on.
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling with a deadline
  }
  return true;
}

/// Runs a command to completion, feeding it `input`; returns its exit code
/// and fills stdout/stderr. Deadline: 60 s (then it is killed and -1 returned).
int runCommand(const std::vector<std::string>& argv, std::string* out, std::string* err, const std::string& input = {});

/// The command line `vitrine --address SERVER args...` for `server`'s Unix socket.
std::vector<std::string> vitrineCommand(const ServerProcess& server, const std::vector<std::string>& args);

}  // namespace vitrine::testing
