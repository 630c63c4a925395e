#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>

extern char** environ;

namespace vitrine::test {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throwErrno(const std::string& what, int error = errno) {
  throw std::system_error(error, std::generic_category(), what);
}

// Pointers into `strings`, null-terminated, as exec wants them.
std::vector<char*> pointersTo(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& entry : strings) out.push_back(entry.data());
  out.push_back(nullptr);
  return out;
}

// The test's environment with `changes` applied, as NAME=VALUE strings.
std::vector<std::string> environmentWith(const Environment& changes) {
  std::vector<std::string> out;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (!changes.contains(std::string(text.substr(0, text.find('='))))) out.emplace_back(text);
  }
  for (const auto& [name, value] : changes) {
    if (value) out.push_back(name + "=" + *value);
  }
  return out;
}

void writeAllInput(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t written = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (written < 0) {
      if (errno == EINTR) continue;
      return;  // the child closed its stdin; what it read is what it gets
    }
    done += static_cast<std::size_t>(written);
  }
}

}  // namespace

pid_t spawnProcess(const std::vector<std::string>& argv, const Environment& env, const Redirections& streams) {
  std::vector<std::string> args = argv;
  std::vector<std::string> variables = environmentWith(env);
  std::vector<char*> argp = pointersTo(args);
  std::vector<char*> envp = pointersTo(variables);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (streams.in >= 0) posix_spawn_file_actions_adddup2(&actions, streams.in, STDIN_FILENO);
  if (streams.out >= 0) posix_spawn_file_actions_adddup2(&actions, streams.out, STDOUT_FILENO);
  if (streams.errFile) {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, streams.errFile->c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
  } else if (streams.err >= 0) {
    posix_spawn_file_actions_adddup2(&actions, streams.err, STDERR_FILENO);
  }
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argp[0], &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throwErrno("cannot start " + argv.at(0), rc);
  return pid;
}

bool waitForExit(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const pid_t done = ::waitpid(pid, status, WNOHANG);
    if (done == pid) return true;
    if (done < 0 && errno != EINTR) return false;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a child's exit: no event to wait on
  }
}

int exitCodeOf(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ProcessResult runProcess(const std::vector<std::string>& argv, const Environment& env, const std::string& input,
                         std::chrono::milliseconds deadline) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    throwErrno("pipe2");
  }
  pid_t pid = -1;
  try {
    pid = spawnProcess(argv, env, Redirections{in[0], out[1], err[1], std::nullopt});
  } catch (...) {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) ::close(fd);
    throw;
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);

  // A child blocked on a full stdout pipe would never read all of a large
  // stdin; the inputs of these tests are small, so write it all first.
  writeAllInput(in[1], input);
  ::close(in[1]);

  ProcessResult result;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open = 2;
  const auto end = Clock::now() + deadline;
  while (open > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (left.count() <= 0) {
      result.timedOut = true;
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) throwErrno("poll");
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && fds[i].revents != 0) {
        char buffer[65536];
        const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
        if (got > 0) {
          sinks[i]->append(buffer, static_cast<std::size_t>(got));
        } else if (got == 0 || errno != EINTR) {
          ::close(fds[i].fd);
          fds[i].fd = -1;  // poll ignores negative descriptors
          --open;
        }
      }
    }
  }
  for (const pollfd& entry : fds) {
    if (entry.fd >= 0) ::close(entry.fd);
  }
  // Both pipes closed: it has exited or is about to (or closed them itself
  // and runs on, which the deadline covers too).
  int status = 0;
  const auto left = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()),
                             std::chrono::milliseconds(0));
  if (result.timedOut || !waitForExit(pid, left, &status)) {
    result.timedOut = true;
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  result.exitCode = result.timedOut ? -1 : exitCodeOf(status);
  return result;
}

int runCommand(const std::vector<std::string>& argv, std::string* out, std::string* err, const std::string& input) {
  ProcessResult result = runProcess(argv, {}, input);
  if (out) *out = std::move(result.out);
  if (err) *err = std::move(result.err);
  return result.exitCode;
}

std::string describe(const ProcessResult& result) {
  return "exit " + std::to_string(result.exitCode) + (result.timedOut ? " (killed at its deadline)" : "") +
         "\nstdout: " + result.out + "\nstderr: " + result.err;
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

}  // namespace vitrine::test
