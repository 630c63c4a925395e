// What Listener tells the connections it makes: the `remote` mark on
// every accepted peer (which the service reads through its Caller), and
// that a tls: listener cannot start without a TLS context.
#include "net/listener.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <cstring>
#include <vector>

#include "net/connection_registry.h"
#include "net/stream_socket.h"
#include "service/server_stats.h"

namespace vitrine {
namespace {

// A plain client connection to the Unix socket at `path`; the descriptor, or -1.
int connectTo(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(Listener, EveryAcceptedPeerCarriesTheListenersRemoteMark) {
  ServerStats stats;
  ConnectionRegistry registry(ConnectionLimits{}, stats);
  for (const bool remote : {false, true}) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const std::string path = dir.filePath(QStringLiteral("listener.sock")).toStdString();
    std::vector<bool> marks;
    QString error;
    auto listener = Listener::listen(
        Endpoint::parse("unix:" + path),
        [&marks](StreamSocket* socket, ConnectionShell::Peer peer, QObject* parent) {
          marks.push_back(peer.remote);
          socket->setParent(parent);
        },
        registry, &error, Listener::TcpReach::LoopbackOnly, nullptr, remote);
    ASSERT_TRUE(listener) << error.toStdString();
    const int client = connectTo(path);
    ASSERT_GE(client, 0);
    QElapsedTimer clock;
    clock.start();
    while (marks.empty() && clock.elapsed() < 10000) {
      QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
    }
    ::close(client);
    ASSERT_EQ(marks.size(), 1u);
    EXPECT_EQ(marks.front(), remote);
  }
}

TEST(Listener, ATlsListenerNeedsATlsContext) {
  ServerStats stats;
  ConnectionRegistry registry(ConnectionLimits{}, stats);
  QString error;
  auto listener = Listener::listen(
      Endpoint::parse("tls:127.0.0.1:0"),
      [](StreamSocket* socket, ConnectionShell::Peer, QObject*) { delete socket; }, registry, &error);
  EXPECT_FALSE(listener);
  EXPECT_TRUE(error.contains(QStringLiteral("--tls-cert"))) << error.toStdString();
}

}  // namespace
}  // namespace vitrine
