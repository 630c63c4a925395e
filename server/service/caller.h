// Which connection made the call being served: lets a waiting dialog end
// when the client that waits for it goes away.
#pragma once

#include <cstdint>

class QObject;

namespace vitrine {

class EventLog;

/// The connection (RpcConnection, or an AMP connection) whose call is being
/// dispatched right now, or nullptr outside a dispatch. The object is
/// destroyed when that connection closes, so `QObject::destroyed` tells a
/// handler its caller has gone. Valid only during the synchronous part of a
/// handler; GUI thread only.
QObject* currentCaller();

/// Makes `caller` the currentCaller() for its lifetime (nestable). Used by
/// the transports around each dispatch. GUI thread only.
class CallerScope {
 public:
  explicit CallerScope(QObject* caller);
  ~CallerScope();
  CallerScope(const CallerScope&) = delete;
  CallerScope& operator=(const CallerScope&) = delete;

 private:
  QObject* previous_;
};

/// A caller that events can be pushed to: an AMP connection (AMP is
/// bidirectional; a Thrift connection cannot be called back). The
/// subscribeEvents command finds it with dynamic_cast on currentCaller().
/// GUI thread only.
class EventSubscriber {
 public:
  /// Starts (or restarts) pushing the events of `log` that follow
  /// `afterSequence` (0: the oldest kept; never -1: the service resolves
  /// that to the log's last sequence). `log` outlives every connection.
  virtual void subscribeEvents(EventLog& log, std::int64_t afterSequence) = 0;
  /// Stops the pushes; a no-op when there are none.
  virtual void unsubscribeEvents() = 0;

 protected:
  ~EventSubscriber() = default;
};

}  // namespace vitrine
