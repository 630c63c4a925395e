// Starts the real vitrine-server as a child process for integration tests.
#pragma once

#include <sys/types.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
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
  /// `extraArgs` are appended to vitrine-server's command line.
  explicit ServerProcess(std::vector<std::string> extraArgs = {});
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

/// Runs a command to completion, feeding it `input`; returns its exit code
/// and fills stdout/stderr. Deadline: 60 s (then it is killed and -1 returned).
int runCommand(const std::vector<std::string>& argv, std::string* out, std::string* err, const std::string& input = {});

/// The command line `vitrine --address SERVER args...` for `server`'s Unix socket.
std::vector<std::string> vitrineCommand(const ServerProcess& server, const std::vector<std::string>& args);

}  // namespace vitrine::testing
