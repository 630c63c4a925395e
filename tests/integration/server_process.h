// Starts the real vitrine-server as a child process for integration tests.
#pragma once

#include <sys/types.h>

#include <chrono>
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

/// The build's bin/ directory (where vitrine-server and vitrine are).
std::string binDirectory();

/// Runs a command to completion, feeding it `input`; returns its exit code
/// and fills stdout/stderr. Deadline: 60 s (then it is killed and -1 returned).
int runCommand(const std::vector<std::string>& argv, std::string* out, std::string* err, const std::string& input = {});

}  // namespace vitrine::testing
