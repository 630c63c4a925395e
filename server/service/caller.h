// Who makes a call: what the service knows of the connection a call came
// from, handed to it explicitly (one VitrineService per caller), never found
// through an ambient "current caller".
#pragma once

#include <QString>
#include <cstdint>
#include <string_view>

class QObject;

namespace vitrine {

class EventLog;

/// A caller that events can be pushed to: an AMP connection (AMP is
/// bidirectional; a Thrift connection cannot be called back). GUI thread only.
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
/// TCP and TLS (Thrift and AMP) when the server has a --token-file; Open
/// otherwise (a Unix socket is already closed to other users).
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

/// Who makes the calls of one connection, as the service sees it: its
/// lifetime, whether it can be called back, whether it is remote, which
/// client's shares it counts against, and where the verdict of
/// `authenticate` goes. Every connection is one (ConnectionShell); the
/// service handler made for it (VitrineService) holds it by reference.
///
/// A Caller lives as long as its lifetime() object: use it only during the
/// synchronous part of a call, or after checking a QPointer to lifetime().
/// GUI thread only.
class Caller {
 public:
  /// An object destroyed when the caller goes (its connection closes): a
  /// dialog the caller waits for closes then, a wait it made on the event
  /// log is dropped, and a late answer is not delivered.
  virtual QObject* lifetime() = 0;
  /// The client whose quotas this call counts against: one network address
  /// (however many connections it opens), or one Unix-socket connection.
  virtual QString clientKey() const = 0;
  /// True for a client that came through the gate of a network listener
  /// (TLS, or TCP with --token-file): it may not browse the server's files
  /// without --remote-files.
  virtual bool isRemote() const = 0;
  /// Where events can be pushed to this caller, or nullptr when it cannot
  /// be called back (Thrift: waitEvents instead).
  virtual EventSubscriber* eventSubscriber() { return nullptr; }
  /// The caller gave the right token (or the server has none): serve all
  /// its calls from now on. Calling it again is harmless.
  virtual void authenticationSucceeded() = 0;
  /// The caller gave a wrong token: serve nothing more, and close once the
  /// answer (AuthenticationFailed) has been written.
  virtual void authenticationFailed() = 0;

 protected:
  ~Caller() = default;
};

}  // namespace vitrine
