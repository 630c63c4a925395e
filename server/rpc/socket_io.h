// What the Thrift and AMP connections do alike to the socket they serve,
// whichever kind it is (QLocalSocket or QTcpSocket, both behind QIODevice).
#pragma once

#include <QAbstractSocket>
#include <QIODevice>
#include <QLocalSocket>
#include <QObject>
#include <QTimer>
#include <utility>

namespace vitrine {

/// Bounds Qt's read buffer of `socket` (when the connection stops reading,
/// Qt stops too and the peer meets flow control instead of our memory) and
/// calls `onDisconnected` in `context` when the peer goes.
template <typename Function>
void watchSocket(QIODevice* socket, QObject* context, Function onDisconnected) {
  constexpr qint64 kSocketReadBuffer = 1 << 20;
  if (auto* tcp = qobject_cast<QAbstractSocket*>(socket)) {
    tcp->setReadBufferSize(kSocketReadBuffer);
    QObject::connect(tcp, &QAbstractSocket::disconnected, context, std::move(onDisconnected));
  } else if (auto* local = qobject_cast<QLocalSocket*>(socket)) {
    local->setReadBufferSize(kSocketReadBuffer);
    QObject::connect(local, &QLocalSocket::disconnected, context, std::move(onDisconnected));
  }
}

/// Hands what was written to the kernel now rather than on the next loop
/// pass (never blocks: a full kernel buffer leaves the rest for bytesWritten).
inline void flushSocket(QIODevice* socket) {
  if (auto* tcp = qobject_cast<QAbstractSocket*>(socket)) {
    tcp->flush();
  } else if (auto* local = qobject_cast<QLocalSocket*>(socket)) {
    local->flush();
  }
}

/// Closes `socket` at once, dropping unsent data.
inline void abortSocket(QIODevice* socket) {
  if (auto* tcp = qobject_cast<QAbstractSocket*>(socket)) {
    tcp->abort();
  } else if (auto* local = qobject_cast<QLocalSocket*>(socket)) {
    local->abort();
  }
}

/// Closes `socket` once what was written to it has gone out, then deletes
/// `owner` (deleteLater): for a connection that answers and then hangs up
/// (authentication refused). Gives up on bytes the peer does not read
/// within a few seconds. Never blocks.
inline void closeSocketAfterWriting(QIODevice* socket, QObject* owner) {
  constexpr int kPatienceMs = 5000;
  QTimer::singleShot(kPatienceMs, owner, &QObject::deleteLater);
  if (auto* tcp = qobject_cast<QAbstractSocket*>(socket)) {
    QObject::connect(tcp, &QAbstractSocket::disconnected, owner, &QObject::deleteLater);
    tcp->disconnectFromHost();
    if (tcp->state() == QAbstractSocket::UnconnectedState) owner->deleteLater();
  } else if (auto* local = qobject_cast<QLocalSocket*>(socket)) {
    QObject::connect(local, &QLocalSocket::disconnected, owner, &QObject::deleteLater);
    local->disconnectFromServer();
    if (local->state() == QLocalSocket::UnconnectedState) owner->deleteLater();
  } else {
    owner->deleteLater();
  }
}

}  // namespace vitrine
