#include "net/connection_shell.h"

#include <thrift/async/TAsyncProcessor.h>

#include "net/connection_registry.h"
#include "net/stream_socket.h"

namespace vitrine {

ConnectionShell::ConnectionShell(StreamSocket* socket, Peer peer, ConnectionRegistry& registry, Admission admission,
                                 const ProcessorFactory& makeProcessor, LogCategory category, QObject* parent)
    : QObject(parent),
      socket_(socket),
      processor_(makeProcessor(*this)),
      peer_(std::move(peer)),
      registry_(registry),
      category_(category),
      connectedAt_(Clock::now()),
      authenticated_(admission == Admission::Open) {
  socket_->setParent(this);
  connect(socket_, &StreamSocket::disconnected, this, &ConnectionShell::close);
  registry_.add(this);
  qCDebug(category_()) << "connection from" << peer_.name;
}

ConnectionShell::~ConnectionShell() {
  registry_.remove(this);
}

qint64 ConnectionShell::unsentBytes() const {
  return socket_->bytesToWrite();
}

void ConnectionShell::releaseIdleMemory() {
  socket_->releaseBuffers();
}

void ConnectionShell::setPartialMessage(bool pending) {
  if (!pending) {
    partialSince_.reset();
  } else if (!partialSince_) {
    partialSince_ = Clock::now();
  }
}

void ConnectionShell::authenticationSucceeded() {
  if (authenticated_) return;
  authenticated_ = true;
  onAuthenticated();
}

void ConnectionShell::authenticationFailed() {
  authenticated_ = false;
  closeAfterReply_ = true;  // the protocol writes the AuthenticationFailed answer first
}

QString ConnectionShell::clientKey() const {
  // On the Unix socket every connection is a client of its own (they are all
  // the owner's); on the network, an address is one client however often it
  // reconnects.
  return peer_.address.isEmpty() ? peer_.name : QStringLiteral("address ") + peer_.address;
}

void ConnectionShell::closeAfterWriting(const QString& reason) {
  if (closing_) return;
  qCWarning(category_()).noquote() << "closing connection" << peer_.name << "-" << reason;
  closing_ = true;
  partialSince_.reset();
  stopServing();
  // Answers written so far go out first (a peer that does not read them is
  // closed after the socket's patience all the same); disconnected() then
  // calls close(), which deletes us.
  socket_->disconnectFromPeer();
}

void ConnectionShell::drop(const QString& reason) {
  // Also ends a closeAfterWriting() that is still waiting for the peer to read.
  if (!closing_) qCWarning(category_()).noquote() << "closing connection" << peer_.name << "-" << reason;
  close();
}

void ConnectionShell::close() {
  // Also the end of closeAfterWriting(), once the socket has closed.
  const bool first = !closing_;
  closing_ = true;
  partialSince_.reset();
  if (first) stopServing();
  socket_->abort();
  deleteLater();
}

}  // namespace vitrine
