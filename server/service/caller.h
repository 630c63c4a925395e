// Which connection made the call being served: lets a waiting dialog end
// when the client that waits for it goes away.
#pragma once

#include <cstdint>
#include <string_view>

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

/// Whether a connection is served from its first call, or only once it has
/// authenticated. Chosen by main for each listener: AuthenticateFirst for
/// TCP (Thrift and AMP) when the server has a --token-file; Open otherwise
/// (a Unix socket is already closed to other users).
enum class Admission {
  /// Every call is served.
  Open,
  /// Only `authenticate` is served until it succeeds; any other call is
  /// answered "authentication required" and the connection is closed.
  AuthenticateFirst,
};

/// The IDL method a connection of Admission::AuthenticateFirst serves first
/// (on AMP too: the command that calls it).
inline constexpr std::string_view kAuthenticateMethod = "authenticate";

/// A caller that may have to authenticate before it is served: a TCP
/// connection of a server with a --token-file (Thrift or AMP). The
/// authenticate command finds it with dynamic_cast on currentCaller() and
/// tells it the outcome; the connection itself refuses every other call
/// until it has heard authenticationSucceeded(). GUI thread only.
class AuthenticatingCaller {
 public:
  /// The caller gave the right token (or the server has none): serve all
  /// its calls from now on. Calling it again is harmless.
  virtual void authenticationSucceeded() = 0;
  /// The caller gave a wrong token: serve nothing more, and close once the
  /// answer (AuthenticationFailed) has been written.
  virtual void authenticationFailed() = 0;

 protected:
  ~AuthenticatingCaller() = default;
};

/// Where a caller's connection comes from: implemented by the transports'
/// connections (Thrift, AMP), fixed when the listener accepted it. The
/// service finds it with dynamic_cast on currentCaller(), or asks
/// currentCallerIsRemote(). GUI thread only.
class CallerOrigin {
 public:
  /// True when the peer may be on another machine: a connection to a tls:
  /// listener, or to a tcp: listener of a server with --token-file (which
  /// may bind any address). False on the Unix socket, and on TCP of a
  /// server without a token (loopback only).
  virtual bool isRemote() const = 0;

 protected:
  ~CallerOrigin() = default;
};

/// True when the call being dispatched came from a CallerOrigin that
/// isRemote(); false outside a dispatch and for a caller that is no
/// CallerOrigin. GUI thread only.
bool currentCallerIsRemote();

}  // namespace vitrine
