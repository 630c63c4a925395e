// Polling with a deadline, for state that sends no event to wait on.
#pragma once

#include <chrono>
#include <thread>

namespace vitrine::test {

/// Calls `predicate` every `interval` until it returns true or `deadline`
/// has passed; returns whether it did. For the server's state as a client sees
/// it (serverInfo, listWindows, /proc), which announces no change. Never a
/// timing assertion: the deadline is a liveness bound, far above what the
/// change takes. Blocks the calling (test) thread.
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds deadline = std::chrono::seconds(30),
                std::chrono::milliseconds interval = std::chrono::milliseconds(20)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(interval);  // polling with a deadline
  }
  return true;
}

}  // namespace vitrine::test
