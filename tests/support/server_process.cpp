#include "support/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "support/process.h"

namespace vitrine::test {

namespace {

using Clock = std::chrono::steady_clock;

// Reads whatever `fd` has within `timeout`; false on EOF or timeout with nothing read.
bool readSome(int fd, std::string& into, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char buffer[4096];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n <= 0) return false;
  into.append(buffer, static_cast<std::size_t>(n));
  return true;
}

}  // namespace

std::string binDirectory() {
  return VITRINE_BIN_DIR;
}

std::string ServerProcess::log() const {
  std::ifstream file(directory_ + "/server.log");
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

ServerProcess::ServerProcess(std::vector<std::string> extraArgs, Log log) {
  char pattern[] = "/tmp/vitrine-test-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error(std::string("mkdtemp failed: ") + std::strerror(errno));
  directory_ = pattern;
  const std::string socketPath = directory_ + "/vitrine.sock";

  std::vector<std::string> argv = {binDirectory() + "/vitrine-server", "--listen", "unix:" + socketPath, "--listen",
                                   "tcp:127.0.0.1:0"};
  if (std::find(extraArgs.begin(), extraArgs.end(), "--amp") == extraArgs.end()) {
    argv.insert(argv.end(), {"--amp", "off"});
  }
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());

  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe failed: ") + std::strerror(errno));
  Redirections streams;
  streams.out = out[1];
  if (log == Log::Captured) streams.errFile = directory_ + "/server.log";
  try {
    pid_ = spawnProcess(argv, {{"QT_QPA_PLATFORM", "offscreen"}}, streams);
  } catch (...) {
    ::close(out[0]);
    ::close(out[1]);
    throw;
  }
  ::close(out[1]);

  // Wait for both "listening on" lines.
  std::string output;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    if (output.find("listening on unix:") != std::string::npos &&
        output.find("listening on tcp:") != std::string::npos &&
        output.find('\n', output.find("listening on tcp:")) != std::string::npos) {
      break;
    }
    if (!readSome(out[0], output, std::chrono::milliseconds(500)) && !running()) break;
  }
  ::close(out[0]);  // later stdout writes go nowhere; the server ignores SIGPIPE
  const auto tcpAt = output.find("listening on tcp:");
  const auto unixAt = output.find("listening on unix:");
  if (tcpAt == std::string::npos || unixAt == std::string::npos) {
    stop();
    throw std::runtime_error("vitrine-server did not report its listeners; it printed: " + output);
  }
  const auto lineOf = [&](std::size_t at) {
    const std::size_t start = at + std::strlen("listening on ");
    return output.substr(start, output.find('\n', start) - start);
  };
  unix_ = Endpoint::parse(lineOf(unixAt));
  tcp_ = Endpoint::parse(lineOf(tcpAt));
}

ServerProcess::~ServerProcess() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

bool ServerProcess::running() {
  if (exited_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    exited_ = true;
    exitStatus_ = exitCodeOf(status);
    return false;
  }
  return true;
}

int ServerProcess::stop() {
  if (pid_ <= 0 || !running()) return exitStatus_;
  ::kill(pid_, SIGTERM);
  int status = 0;
  if (!waitForExit(pid_, std::chrono::seconds(30), &status)) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  exited_ = true;
  exitStatus_ = exitCodeOf(status);
  return exitStatus_;
}

std::vector<std::string> vitrineCommand(const ServerProcess& server, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binDirectory() + "/vitrine", "--address", server.unixEndpoint().toString()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace vitrine::test
