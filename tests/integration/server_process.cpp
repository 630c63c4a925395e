#include "server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace vitrine::testing {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<char*> cArgs(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const std::string& arg : argv) out.push_back(const_cast<char*>(arg.c_str()));
  out.push_back(nullptr);
  return out;
}

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

// Waits for `pid` to exit within `timeout`; returns true and the status if it did.
bool waitExit(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const pid_t done = ::waitpid(pid, status, WNOHANG);
    if (done == pid) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a child's exit: no event to wait on
  }
}

}  // namespace

ScopedEnv::ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
  if (const char* old = std::getenv(name)) old_ = old;
  if (value) {
    ::setenv(name, value->c_str(), 1);
  } else {
    ::unsetenv(name);
  }
}

ScopedEnv::~ScopedEnv() {
  if (old_) {
    ::setenv(name_.c_str(), old_->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

std::string binDirectory() {
  return VITRINE_BIN_DIR;
}

TokenDirectory::TokenDirectory() {
  char pattern[] = "/tmp/vitrine-files-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TokenDirectory::~TokenDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TokenDirectory::write(const std::string& name, const std::string& content, mode_t mode) const {
  const std::string file = path_ + "/" + name;
  std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
  ::chmod(file.c_str(), mode);
  return file;
}

std::size_t statusBytes(pid_t pid, const std::string& key) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      std::istringstream fields(line.substr(key.size() + 1));
      std::size_t kilobytes = 0;
      fields >> kilobytes;
      return kilobytes * 1024;
    }
  }
  return 0;
}

std::string ServerProcess::log() const {
  std::ifstream file(directory_ + "/server.log");
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

ServerProcess::ServerProcess(std::vector<std::string> extraArgs, Log log) {
  char pattern[] = "/tmp/vitrine-test-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  directory_ = pattern;
  const std::string socketPath = directory_ + "/vitrine.sock";

  std::vector<std::string> argv = {binDirectory() + "/vitrine-server", "--listen", "unix:" + socketPath, "--listen",
                                   "tcp:127.0.0.1:0"};
  // Tests run side by side: none takes AMP's fixed default port unless it asks for AMP.
  if (std::find(extraArgs.begin(), extraArgs.end(), "--amp") == extraArgs.end()) {
    argv.insert(argv.end(), {"--amp", "off"});
  }
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());

  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  const std::string logPath = directory_ + "/server.log";
  if (log == Log::Captured) {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  }
  ::setenv("QT_QPA_PLATFORM", "offscreen", 1);
  std::vector<char*> args = cArgs(argv);
  const int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }

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
    exitStatus_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return false;
  }
  return true;
}

int ServerProcess::stop() {
  if (pid_ <= 0 || !running()) return exitStatus_;
  ::kill(pid_, SIGTERM);
  int status = 0;
  if (!waitExit(pid_, std::chrono::seconds(30), &status)) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  exited_ = true;
  exitStatus_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return exitStatus_;
}

int runCommand(const std::vector<std::string>& argv, std::string* out, std::string* err, const std::string& input) {
  int in[2], o[2], e[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(o, O_CLOEXEC) || ::pipe2(e, O_CLOEXEC)) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, o[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, e[1], STDERR_FILENO);
  pid_t pid = -1;
  std::vector<char*> args = cArgs(argv);
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(o[1]);
  ::close(e[1]);
  if (rc != 0) throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(rc));
  if (!input.empty()) {
    [[maybe_unused]] ssize_t written = ::write(in[1], input.data(), input.size());
  }
  ::close(in[1]);
  std::string stdoutText, stderrText;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  bool outOpen = true, errOpen = true;
  while ((outOpen || errOpen) && Clock::now() < deadline) {
    pollfd fds[2] = {{outOpen ? o[0] : -1, POLLIN, 0}, {errOpen ? e[0] : -1, POLLIN, 0}};
    if (::poll(fds, 2, 500) <= 0) continue;
    char buffer[65536];
    if (outOpen && (fds[0].revents & (POLLIN | POLLHUP))) {
      const ssize_t n = ::read(o[0], buffer, sizeof buffer);
      if (n <= 0) outOpen = false; else stdoutText.append(buffer, static_cast<std::size_t>(n));
    }
    if (errOpen && (fds[1].revents & (POLLIN | POLLHUP))) {
      const ssize_t n = ::read(e[0], buffer, sizeof buffer);
      if (n <= 0) errOpen = false; else stderrText.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(o[0]);
  ::close(e[0]);
  int status = 0;
  if (!waitExit(pid, std::chrono::seconds(outOpen || errOpen ? 0 : 10), &status)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1;
  }
  if (out) *out = stdoutText;
  if (err) *err = stderrText;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<std::string> vitrineCommand(const ServerProcess& server, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binDirectory() + "/vitrine", "--address", server.unixEndpoint().toString()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace vitrine::testing
