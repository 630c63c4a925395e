// How much one connection may serve in one turn of the GUI thread's event loop.
#pragma once

#include <QElapsedTimer>

namespace vitrine {

/// The share of the GUI thread one connection takes before it yields to the
/// event loop (other connections, windows, repaints): at most kMaxCalls
/// calls, and no new call once kMaxMilliseconds have passed since the turn
/// began. The time bound is what keeps a peer with costly calls in flight
/// (stage screenshots take tens of milliseconds each) from holding the
/// thread for a second per turn; the call bound keeps cheap calls batched.
/// A turn always serves at least one call. Make one where a turn starts
/// (a slot called by the event loop), never per call. GUI thread only.
class TurnBudget {
 public:
  static constexpr int kMaxCalls = 32;
  static constexpr qint64 kMaxMilliseconds = 10;

  TurnBudget() { clock_.start(); }

  /// True when one more call fits in this turn; counts it.
  bool takeOne() {
    if (served_ > 0 && (served_ >= kMaxCalls || clock_.elapsed() >= kMaxMilliseconds)) return false;
    ++served_;
    return true;
  }

 private:
  QElapsedTimer clock_;
  int served_ = 0;
};

}  // namespace vitrine
