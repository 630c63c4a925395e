// Accepts connections (Thrift or AMP) on a Unix socket, a TCP port or a TLS port.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <functional>
#include <memory>

#include "net/connection_shell.h"
#include "vitrine/endpoint.h"

namespace vitrine {

class ConnectionRegistry;
class StreamSocket;
class TlsContext;
class DescriptorLocalServer;
class DescriptorTcpServer;

/// Listens on one endpoint and hands every accepted socket to a factory that
/// makes the protocol's connection object (RpcConnection, AmpConnection) as
/// a child of this listener. Destroying the listener stops accepting,
/// closes its connections and removes its Unix socket file.
/// GUI thread only.
class Listener : public QObject {
  Q_OBJECT

 public:
  /// Which TCP addresses may be bound (tcp: and tls:).
  enum class TcpReach {
    /// Loopback addresses only: anyone who can reach the port can drive the display.
    LoopbackOnly,
    /// Any address: for a server whose connections must authenticate
    /// (--token-file; on a tls: listener, --tls-client-ca too).
    AnyAddress,
  };

  /// Starts listening. On failure returns nullptr and sets *error to one
  /// sentence naming the address and the reason (address in use, another
  /// server already on this socket, not a loopback address, permissions).
  /// Unix sockets: a stale socket file (no one listening) is replaced; the
  /// socket is made mode 0600; the default directory /tmp/vitrine-UID is
  /// created 0700 and refused if another user owns it or others can enter it.
  /// TCP: with TcpReach::LoopbackOnly, a non-loopback address is refused
  /// with a message naming --token-file (and for tls:, --tls-client-ca);
  /// port 0 picks a free port.
  /// TLS (Endpoint::Kind::Tls): as TCP, and every accepted socket speaks
  /// TLS through a session of `tls`, which must then be given.
  /// Makes the connection for an accepted `socket` (connected, TCP_NODELAY
  /// set; for TLS, its handshake not done yet; its unsent bytes counted in
  /// the registry's ledger) from `peer` (its name for logs: "unix:/path#3",
  /// "tcp:127.0.0.1:5555", "tls:192.0.2.7:40112"; on TCP and TLS its
  /// address; remote as the listener says); the connection must take the
  /// socket and be a child of `parent` (the listener).
  using AcceptConnection = std::function<void(StreamSocket* socket, ConnectionShell::Peer peer, QObject* parent)>;

  /// Every accepted connection is first admitted by `registry` (the
  /// connection cap, the Unix socket's reserve, the per-address cap), which
  /// must outlive the listener; one it refuses is closed at once. The server
  /// must never run out of file descriptors: an accept(2) failing with
  /// EMFILE makes QLocalServer close itself (removing its socket file) and
  /// QTcpServer stop accepting, for good. `remote`: every peer of this
  /// listener is remote (main: the tls: listeners, and the tcp: ones of a
  /// server with --token-file).
  static std::unique_ptr<Listener> listen(const Endpoint& endpoint, AcceptConnection accept,
                                             ConnectionRegistry& registry, QString* error,
                                             TcpReach reach = TcpReach::LoopbackOnly,
                                             std::shared_ptr<const TlsContext> tls = nullptr, bool remote = false);

  /// Makes sure `dir` is a directory only the current user can enter: creates
  /// it mode 0700 if missing; false and one sentence in *error when it is not
  /// a directory (a symlink included), belongs to someone else, or has any
  /// permission for group or others. Used for the default socket directory.
  /// Any thread; touches the file system.
  static bool ensurePrivateDirectory(const QString& dir, QString* error);
  ~Listener() override;

  /// The address actually bound, in Endpoint syntax (the real port for port 0).
  const QString& address() const { return address_; }

 private:
  Listener(AcceptConnection accept, ConnectionRegistry& registry, std::shared_ptr<const TlsContext> tls,
              bool remote);
  bool listenUnix(const std::string& path, QString* error);
  /// TCP, or TLS when tls_ is set.
  bool listenTcp(const std::string& host, std::uint16_t port, TcpReach reach, QString* error);
  /// Serves the accepted descriptor `fd` (unless the registry refuses it).
  void acceptLocal(int fd);
  void acceptTcp(int fd);
  /// Hands `socket` from `peer` to accept_, marked remote_.
  void serve(StreamSocket* socket, ConnectionShell::Peer peer);

  AcceptConnection accept_;
  ConnectionRegistry& registry_;
  /// Set for a tls: listener.
  std::shared_ptr<const TlsContext> tls_;
  bool remote_;
  DescriptorLocalServer* local_ = nullptr;
  DescriptorTcpServer* tcp_ = nullptr;
  QString address_;
  quint64 accepted_ = 0;
};

}  // namespace vitrine
