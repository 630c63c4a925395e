// Accepts Thrift connections on a Unix socket or a loopback TCP port.
#pragma once

#include <QObject>
#include <QString>
#include <memory>

#include "rpc/rpc_limits.h"
#include "vitrine/endpoint.h"

class QLocalServer;
class QTcpServer;

namespace apache::thrift::async {
class TAsyncProcessor;
}

namespace vitrine {

struct ServerStats;

/// Listens on one endpoint and creates an RpcConnection (child of this
/// listener) for every client. Destroying the listener stops accepting,
/// closes its connections and removes its Unix socket file.
/// GUI thread only.
class RpcListener : public QObject {
  Q_OBJECT

 public:
  /// Starts listening. On failure returns nullptr and sets *error to one
  /// sentence naming the address and the reason (address in use, another
  /// server already on this socket, not a loopback address, permissions).
  /// Unix sockets: a stale socket file (no one listening) is replaced; the
  /// socket is made mode 0600; the default directory /tmp/vitrine-UID is
  /// created 0700 and refused if another user owns it or others can enter it.
  /// TCP: only loopback addresses (anyone else could drive the display);
  /// port 0 picks a free port.
  static std::unique_ptr<RpcListener> listen(const Endpoint& endpoint,
                                             std::shared_ptr<apache::thrift::async::TAsyncProcessor> processor,
                                             const RpcLimits& limits, ServerStats& stats, QString* error);
  ~RpcListener() override;

  /// The address actually bound, in Endpoint syntax (the real port for port 0).
  const QString& address() const { return address_; }

 private:
  RpcListener(std::shared_ptr<apache::thrift::async::TAsyncProcessor> processor, const RpcLimits& limits,
              ServerStats& stats);
  bool listenUnix(const std::string& path, QString* error);
  bool listenTcp(const std::string& host, std::uint16_t port, QString* error);
  void acceptLocal();
  void acceptTcp();

  std::shared_ptr<apache::thrift::async::TAsyncProcessor> processor_;
  RpcLimits limits_;
  ServerStats& stats_;
  QLocalServer* local_ = nullptr;
  QTcpServer* tcp_ = nullptr;
  QString address_;
  quint64 accepted_ = 0;
};

}  // namespace vitrine
