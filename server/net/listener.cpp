#include "net/listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <QDir>
#include <QFileInfo>
#include <QHostAddress>
#include <QLocalServer>
#include <QTcpServer>
#include <QTimer>
#include <cerrno>
#include <cstring>

#include "base/logging.h"
#include "net/connection_registry.h"
#include "net/stream_socket.h"
#include "net/tls_context.h"
#include "net/tls_session.h"

namespace vitrine {

namespace {

// Connections the kernel holds until the GUI thread accepts them (Qt's
// default is 50, and the GUI thread may be busy when a burst comes). A burst
// of clients connecting at once must wait in this queue, not fail: a full
// Unix-socket backlog answers a non-blocking connect with EAGAIN, which
// Python's socket timeouts and asyncio report as an error (bench/load.py
// opens 500 at once). Linux caps it at net.core.somaxconn (4096).
constexpr int kListenBacklog = 4096;

// True when a server accepts connections on the Unix socket at `path`.
// A plain connect(2): immediate for Unix sockets, and done once at start-up.
bool someoneListensOn(const std::string& path) {
  sockaddr_un address{};
  if (path.size() >= sizeof address.sun_path) return false;
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

}  // namespace

// Qt's servers (QLocalServer, QTcpServer), minus Qt's sockets: each
// accepted descriptor goes to the listener as it is (see StreamSocket for
// why the connections read and write it themselves).
template <typename QtServer, typename Descriptor>
class DescriptorServer : public QtServer {
 public:
  DescriptorServer(QObject* parent, std::function<void(int)> accepted)
      : QtServer(parent), accepted_(std::move(accepted)) {}

 protected:
  void incomingConnection(Descriptor fd) override { accepted_(static_cast<int>(fd)); }

 private:
  std::function<void(int)> accepted_;
};

class DescriptorLocalServer : public DescriptorServer<QLocalServer, quintptr> {
  using DescriptorServer::DescriptorServer;
};
class DescriptorTcpServer : public DescriptorServer<QTcpServer, qintptr> {
  using DescriptorServer::DescriptorServer;
};

// The default socket lives in /tmp/vitrine-UID when there is no
// XDG_RUNTIME_DIR: make sure that directory is ours and private.
bool Listener::ensurePrivateDirectory(const QString& dir, QString* error) {
  if (::mkdir(dir.toLocal8Bit().constData(), 0700) != 0 && errno != EEXIST) {
    *error = QStringLiteral("cannot create %1: %2").arg(dir, QString::fromLocal8Bit(std::strerror(errno)));
    return false;
  }
  struct stat info{};
  if (::lstat(dir.toLocal8Bit().constData(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    *error = QStringLiteral("%1 is not a directory").arg(dir);
    return false;
  }
  if (info.st_uid != ::getuid() || (info.st_mode & 077) != 0) {
    *error = QStringLiteral("%1 must be owned by you and closed to others (mode 0700)").arg(dir);
    return false;
  }
  return true;
}

std::unique_ptr<Listener> Listener::listen(const Endpoint& endpoint, AcceptConnection accept,
                                                 ConnectionRegistry& registry, QString* error, TcpReach reach,
                                                 std::shared_ptr<const TlsContext> tls, bool remote) {
  if (endpoint.kind == Endpoint::Kind::Tls && !tls) {
    *error = QStringLiteral("cannot listen on %1: a tls: listener needs --tls-cert and --tls-key")
                 .arg(QString::fromStdString(endpoint.toString()));
    return nullptr;
  }
  if (endpoint.kind != Endpoint::Kind::Tls) tls = nullptr;
  std::unique_ptr<Listener> listener(new Listener(std::move(accept), registry, std::move(tls), remote));
  const bool ok = endpoint.kind == Endpoint::Kind::Unix ? listener->listenUnix(endpoint.path, error)
                                                        : listener->listenTcp(endpoint.host, endpoint.port, reach, error);
  if (!ok) return nullptr;
  return listener;
}

Listener::Listener(AcceptConnection accept, ConnectionRegistry& registry, std::shared_ptr<const TlsContext> tls,
                         bool remote)
    : accept_(std::move(accept)), registry_(registry), tls_(std::move(tls)), remote_(remote) {}

Listener::~Listener() {
  // Connections are children: they go with us. QLocalServer::close removes the socket file.
  if (local_) local_->close();
  if (tcp_) tcp_->close();
}

bool Listener::listenUnix(const std::string& pathText, QString* error) {
  const QString path = QFileInfo(QString::fromStdString(pathText)).absoluteFilePath();
  const QString where = QStringLiteral("unix:") + path;
  if (QString::fromStdString(pathText) == QString::fromStdString(defaultSocketPath()) &&
      qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
    QString reason;
    if (!ensurePrivateDirectory(QFileInfo(path).path(), &reason)) {
      *error = QStringLiteral("cannot listen on %1: %2").arg(where, reason);
      return false;
    }
  }
  if (QFileInfo::exists(path)) {
    if (someoneListensOn(path.toStdString())) {
      *error = QStringLiteral("cannot listen on %1: another server is already listening there").arg(where);
      return false;
    }
    QLocalServer::removeServer(path);  // stale file left by a server that died
  }
  local_ = new DescriptorLocalServer(this, [this](int fd) { acceptLocal(fd); });
  local_->setSocketOptions(QLocalServer::UserAccessOption);
  local_->setListenBacklogSize(kListenBacklog);
  if (!local_->listen(path)) {
    *error = QStringLiteral("cannot listen on %1: %2").arg(where, local_->errorString());
    return false;
  }
  ::chmod(path.toLocal8Bit().constData(), 0600);
  address_ = where;
  return true;
}

bool Listener::listenTcp(const std::string& hostText, std::uint16_t port, TcpReach reach, QString* error) {
  const QString host = QString::fromStdString(hostText);
  QHostAddress address(host == QLatin1String("localhost") ? QStringLiteral("127.0.0.1") : host);
  const QString scheme = tls_ ? QStringLiteral("tls:") : QStringLiteral("tcp:");
  const QString where = QStringLiteral("%1%2:%3").arg(scheme, host).arg(port);
  if (address.isNull()) {
    *error = QStringLiteral("cannot listen on %1: give an IP address, e.g. %2127.0.0.1:%3")
                 .arg(where, scheme)
                 .arg(port);
    return false;
  }
  if (!address.isLoopback() && reach == TcpReach::LoopbackOnly) {
    *error = QStringLiteral("cannot listen on %1: only loopback addresses are allowed without %2 (anyone "
                            "who can reach the port could drive the display; see docs/security.md)")
                 .arg(where,
                      tls_ ? QStringLiteral("--token-file or --tls-client-ca") : QStringLiteral("--token-file"));
    return false;
  }
  tcp_ = new DescriptorTcpServer(this, [this](int fd) { acceptTcp(fd); });
  tcp_->setListenBacklogSize(kListenBacklog);
  if (!tcp_->listen(address, port)) {
    *error = QStringLiteral("cannot listen on %1: %2").arg(where, tcp_->errorString());
    return false;
  }
  // Out of file descriptors all the same (the web engine's own, say): Qt
  // pauses accepting; try again shortly rather than never.
  connect(tcp_, &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError) {
    qCWarning(lcRpc).noquote() << "cannot accept a connection on" << address_ << "-" << tcp_->errorString()
                               << "- trying again in 1 s";
    QTimer::singleShot(1000, tcp_, &QTcpServer::resumeAccepting);
  });
  Endpoint bound{tls_ ? Endpoint::Kind::Tls : Endpoint::Kind::Tcp, {}, tcp_->serverAddress().toString().toStdString(),
                 tcp_->serverPort()};
  address_ = QString::fromStdString(bound.toString());
  return true;
}

void Listener::acceptLocal(int fd) {
  if (!registry_.admit(ConnectionRegistry::Door::UnixSocket, QString())) {
    ::close(fd);
    return;
  }
  serve(new StreamSocket(fd, &registry_.unsent()),
        ConnectionShell::Peer{QStringLiteral("%1#%2").arg(address_).arg(++accepted_), QString(), false});
}

void Listener::acceptTcp(int fd) {
  sockaddr_storage peerAddress{};
  socklen_t length = sizeof peerAddress;
  const QString scheme = tls_ ? QStringLiteral("tls:") : QStringLiteral("tcp:");
  ConnectionShell::Peer peer{scheme + QLatin1Char('?'), QStringLiteral("?"), false};
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peerAddress), &length) == 0) {
    const QHostAddress address(reinterpret_cast<const sockaddr*>(&peerAddress));
    const quint16 port = ntohs(peerAddress.ss_family == AF_INET6
                                   ? reinterpret_cast<const sockaddr_in6*>(&peerAddress)->sin6_port
                                   : reinterpret_cast<const sockaddr_in*>(&peerAddress)->sin_port);
    peer.address = address.toString();
    peer.name = QStringLiteral("%1%2:%3").arg(scheme, peer.address).arg(port);
  }
  if (!registry_.admit(ConnectionRegistry::Door::Network, peer.address)) {
    ::close(fd);
    return;
  }
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);  // small replies go out at once
  if (!tls_) return serve(new StreamSocket(fd, &registry_.unsent()), std::move(peer));
  std::unique_ptr<TlsSession> session = tls_->newSession(fd);
  if (!session) {
    qCWarning(lcRpc).noquote() << "closing connection" << peer.name
                               << "- OpenSSL cannot make a TLS session (out of memory?)";
    ::close(fd);
    return;
  }
  serve(new StreamSocket(fd, std::move(session), peer.name, &registry_.unsent()), std::move(peer));
}

void Listener::serve(StreamSocket* socket, ConnectionShell::Peer peer) {
  peer.remote = remote_;
  accept_(socket, std::move(peer), this);
}

}  // namespace vitrine
