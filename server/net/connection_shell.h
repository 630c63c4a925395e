// What every connection is, whatever protocol it speaks: a socket, a peer,
// an admission, deadlines, and one way to close.
#pragma once

#include <QLoggingCategory>
#include <QObject>
#include <QString>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "service/caller.h"

namespace apache::thrift::async {
class TAsyncProcessor;
}

namespace vitrine {

class ConnectionRegistry;
class StreamSocket;

/// The part of a connection that does not depend on its protocol, under
/// RpcConnection (Thrift) and AmpConnection (AMP):
///
/// - It takes the socket (reparented to this) and registers with the
///   ConnectionRegistry, which admitted it and now watches its deadlines
///   and unsent bytes.
/// - Admission: with Admission::AuthenticateFirst it is unauthenticated
///   until authenticationSucceeded(); the protocol refuses other calls
///   meanwhile and keeps its messages small (onAuthenticated() lifts that).
///   authenticationFailed() marks it to close once its answer is written.
/// - Deadlines: the protocol says, after each read, whether a message is
///   partly received (setPartialMessage); the registry closes a connection
///   whose message has been arriving for longer than --read-timeout, or that
///   has not authenticated within --auth-timeout.
/// - Closing: drop() closes now with one log line, closeAfterWriting()
///   closes once the answers written so far have gone (or after the
///   socket's patience), close() closes now silently. Each path calls
///   stopServing() once, then the socket's disconnected() leads to close(),
///   which deletes this (deleteLater). Calls still in flight complete into
///   the void (their completions hold a QPointer).
/// - Who it is: it is the service's Caller (service/caller.h): a client key
///   (the network address, or this connection on the Unix socket), whether
///   it is remote, its lifetime (this object). Its calls go to a processor
///   of its own, made by main's ProcessorFactory with a service handler
///   bound to this caller; the processor lives until the last call it
///   started has been answered.
///
/// GUI thread only.
class ConnectionShell : public QObject, public Caller {
  Q_OBJECT

 public:
  using Clock = std::chrono::steady_clock;
  using LogCategory = const QLoggingCategory& (*)();
  /// Makes the processor that serves `caller`'s calls (the generated one, over
  /// a service handler bound to `caller`). It must not call `caller` yet:
  /// the connection is still being built.
  using ProcessorFactory = std::function<std::shared_ptr<apache::thrift::async::TAsyncProcessor>(Caller& caller)>;

  /// Who is at the other end of a connection.
  struct Peer {
    /// For logs: "unix:/run/user/1000/vitrine.sock#3", "tcp:127.0.0.1:5555".
    QString name;
    /// The peer's network address ("127.0.0.1", "2001:db8::1"); empty on the Unix socket.
    QString address;
    /// It came from another machine's side of the gate: a TCP or TLS
    /// listener whose clients must authenticate (see docs/security.md).
    bool remote = false;
  };

  ~ConnectionShell() override;

  const QString& peerName() const { return peer_.name; }
  /// The peer's network address; empty on the Unix socket.
  const QString& clientAddress() const { return peer_.address; }
  Clock::time_point connectedAt() const { return connectedAt_; }
  /// True until authenticate succeeds on a connection that must authenticate.
  bool awaitingAuthentication() const { return !authenticated_; }
  /// When the message now being received began arriving; nullopt when none
  /// is, or when the server itself has stopped reading (backpressure).
  std::optional<Clock::time_point> receivingSince() const { return partialSince_; }
  /// Bytes written and not yet taken by the kernel.
  qint64 unsentBytes() const;
  /// Grows with every read; the registry compares it between sweeps to find idle connections.
  quint64 activity() const { return activity_; }

  /// Closes now with a log line naming the peer and `reason` (no line when
  /// it was already closing); answers in flight and unsent bytes are dropped.
  void drop(const QString& reason);
  /// Closes now without a word (the socket closed, the server stops).
  void close();
  /// Gives back what is kept for the next call (buffers); the registry
  /// calls it once a connection has been idle for a while. The default
  /// releases the socket's buffers; protocols add their own.
  virtual void releaseIdleMemory();

  // Caller
  QObject* lifetime() override { return this; }
  QString clientKey() const override;
  bool isRemote() const override { return peer_.remote; }
  void authenticationSucceeded() override;
  void authenticationFailed() override;

 protected:
  ConnectionShell(StreamSocket* socket, Peer peer, ConnectionRegistry& registry, Admission admission,
                  const ProcessorFactory& makeProcessor, LogCategory category, QObject* parent);

  /// Stops serving, and closes once the answers written so far have gone.
  void closeAfterWriting(const QString& reason);
  bool closing() const { return closing_; }
  /// True after authenticationFailed(), until the answer to it is written:
  /// the protocol then calls closeAfterWriting().
  bool closeAfterReply() const { return closeAfterReply_; }
  bool authenticated() const { return authenticated_; }

  /// Called once, when closing starts by any path: drop queued work, stop pushes.
  virtual void stopServing() = 0;
  /// Called when authentication succeeds: lift the limits of an unknown peer.
  virtual void onAuthenticated() {}

  /// After each read pass: whether a message is partly received while the
  /// connection reads. Pass false while the server has stopped reading it.
  void setPartialMessage(bool pending);
  void noteActivity() { ++activity_; }
  LogCategory logCategory() const { return category_; }

  StreamSocket* const socket_;
  /// Serves this connection's calls. Captured by each call's completion, so
  /// that an answer that comes after the connection has gone (a dialog)
  /// still finds its processor.
  const std::shared_ptr<apache::thrift::async::TAsyncProcessor> processor_;

 private:
  Peer peer_;
  ConnectionRegistry& registry_;
  LogCategory category_;
  Clock::time_point connectedAt_;
  std::optional<Clock::time_point> partialSince_;
  quint64 activity_ = 0;
  bool authenticated_;
  bool closeAfterReply_ = false;
  bool closing_ = false;
};

}  // namespace vitrine
