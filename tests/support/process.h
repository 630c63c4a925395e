// Running programs from tests: to completion (runProcess), or in the
// background (spawnProcess, which ServerProcess builds on).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vitrine::test {

/// Changes to the inherited environment: a value sets the variable, nullopt
/// removes it; every other variable is passed on as it is.
using Environment = std::map<std::string, std::optional<std::string>>;

/// What a finished child process left behind.
struct ProcessResult {
  int exitCode = -1;      ///< -1 if it did not exit normally (a signal, or killed at the deadline)
  std::string out;        ///< everything it wrote to stdout
  std::string err;        ///< everything it wrote to stderr
  bool timedOut = false;  ///< it ran past the deadline and was killed (SIGKILL)
};

/// Runs argv[0] (a path, not searched on PATH) with argv[1...], the test's
/// environment changed by `env`, `input` on its stdin (then closed), and
/// collects stdout and stderr. Returns when it has exited, or kills it once
/// `deadline` has passed (timedOut, exitCode -1, the output so far).
/// Throws std::system_error when it cannot be started (a missing program
/// exits 127 instead: the exec happens in the child). Any thread; blocks it.
ProcessResult runProcess(const std::vector<std::string>& argv, const Environment& env = {},
                         const std::string& input = {},
                         std::chrono::milliseconds deadline = std::chrono::seconds(60));

/// runProcess(argv, {}, input) for callers that want the exit code back and
/// the two streams apart: fills *out and *err (either may be null).
int runCommand(const std::vector<std::string>& argv, std::string* out, std::string* err,
               const std::string& input = {});

/// Exit code, stdout and stderr of `result` (and whether it was killed at
/// its deadline), for failure messages.
std::string describe(const ProcessResult& result);

/// Where a spawned child's standard streams go. -1 keeps the test's own;
/// `errFile`, when set, replaces `err` with that file (created or
/// truncated, mode 0600).
struct Redirections {
  int in = -1;
  int out = -1;
  int err = -1;
  std::optional<std::string> errFile;
};

/// Starts argv[0] with argv[1...] in the background, the environment changed
/// by `env`, its streams redirected as `streams` says; returns its pid (the
/// caller reaps it: waitForExit). Descriptors the test opened with
/// O_CLOEXEC stay out of the child. Throws std::system_error when it cannot
/// be started.
pid_t spawnProcess(const std::vector<std::string>& argv, const Environment& env, const Redirections& streams);

/// Waits at most `timeout` for the child `pid` to exit; true (and its wait
/// status in *status) if it did. Polls waitpid: a child's exit sends the
/// test no event it could wait on with a deadline.
bool waitForExit(pid_t pid, std::chrono::milliseconds timeout, int* status);

/// The exit code in a wait status, or -1 if the process did not exit normally.
int exitCodeOf(int status);

/// The bytes /proc/PID/status gives for `key` ("VmRSS", "VmHWM"); 0 if absent.
std::size_t statusBytes(pid_t pid, const std::string& key);

}  // namespace vitrine::test
