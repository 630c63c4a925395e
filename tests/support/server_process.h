// The real vitrine-server as a child process of a test.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "vitrine/endpoint.h"

namespace vitrine::test {

/// A headless vitrine-server (QT_QPA_PLATFORM=offscreen in its environment)
/// listening on a private Unix socket in a fresh temporary directory and on
/// a free loopback TCP port, with AMP off unless `extraArgs` hold an --amp
/// of their own (tests run side by side: AMP's fixed default port is not
/// theirs to take). The constructor returns once the server has printed its
/// "vitrine: listening on ..." line for both listeners; it throws
/// std::runtime_error with what the server printed when it exits first or
/// stays silent for 60 s. Owns the process and the directory: the
/// destructor stops the server (SIGTERM, then SIGKILL after 30 s) and
/// removes the directory. Test thread only.
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

  /// Sends SIGTERM and waits (at most 30 s, then SIGKILL) for the exit;
  /// returns the exit status, or -1 if it was killed by a signal.
  /// Idempotent: later calls return the same status.
  int stop();
  /// True while the process has not exited (reaps it once it has).
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

/// The build's bin/ directory (where vitrine-server and vitrine are).
std::string binDirectory();

/// The command line `BIN/vitrine --address UNIX-SOCKET args...` for `server`.
std::vector<std::string> vitrineCommand(const ServerProcess& server, const std::vector<std::string>& args);

}  // namespace vitrine::test
