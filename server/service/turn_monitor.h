// How long the GUI thread works at a stretch: the figure that says whether
// one client's call made everyone else wait.
#pragma once

#include <QString>
#include <array>
#include <chrono>
#include <cstdint>

namespace vitrine {

/// Measures every "turn" of the GUI thread (one event delivered by the event
/// loop: a socket's readiness and every call served from it, a timer, a
/// posted call, a repaint) and keeps the longest, with its cause: the calls
/// served in it ("Vitrine.say") or, when none ran, the kind of event and its
/// receiver. A turn longer than `slowTurn` is counted and logged (at most
/// one line a second, with how many were not logged).
///
/// The application's notify() calls beginTurn()/endTurn() around the
/// outermost event only; the processor's event handler calls noteCall() for
/// every call it dispatches, on any transport. Costs two clock reads an
/// event. Owned by main; GUI thread only.
class TurnMonitor {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TurnMonitor(std::chrono::microseconds slowTurn) : slowTurn_(slowTurn) {}

  /// An outermost event starts being delivered.
  void beginTurn() {
    turnStart_ = Clock::now();
    callCount_ = 0;
  }
  /// A call named `method` (a string literal of the generated processor,
  /// e.g. "Vitrine.ping") is dispatched in the current turn.
  void noteCall(const char* method) {
    if (callCount_ < calls_.size()) calls_[callCount_] = method;
    ++callCount_;
  }
  /// The outermost event ends: `eventType` (QEvent::Type) and the class of
  /// its receiver describe it when no call ran.
  void endTurn(int eventType, const char* receiverClass) {
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - turnStart_);
    if (took > longest_ || took > slowTurn_) record(took, eventType, receiverClass);
  }

  /// The longest turn since start or resetLongest(), and what it served.
  std::chrono::microseconds longest() const { return longest_; }
  const QString& longestCause() const { return longestCause_; }
  /// Turns over the slow-turn threshold since start.
  std::int64_t slowTurns() const { return slowTurns_; }
  /// Starts a new record of the longest turn (slowTurns keeps counting).
  void resetLongest();
  /// Turns longer than this are counted and logged.
  void setSlowTurn(std::chrono::microseconds slowTurn) { slowTurn_ = slowTurn; }
  std::chrono::microseconds slowTurn() const { return slowTurn_; }

 private:
  void record(std::chrono::microseconds took, int eventType, const char* receiverClass);
  QString describe(int eventType, const char* receiverClass) const;

  std::chrono::microseconds slowTurn_;
  Clock::time_point turnStart_;
  /// The first calls of the current turn (string literals), and how many there were in all.
  std::array<const char*, 4> calls_{};
  std::size_t callCount_ = 0;
  std::chrono::microseconds longest_{0};
  QString longestCause_;
  std::int64_t slowTurns_ = 0;
  /// Rate limit of the slow-turn log line.
  Clock::time_point lastLogged_;
  std::int64_t unloggedSlowTurns_ = 0;
};

}  // namespace vitrine
