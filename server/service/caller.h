// Which connection made the call being served: lets a waiting dialog end
// when the client that waits for it goes away.
#pragma once

class QObject;

namespace vitrine {

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

}  // namespace vitrine
