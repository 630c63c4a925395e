#include "rpc/rpc_connection.h"

#include <thrift/async/TAsyncProcessor.h>

#include <exception>

#include "app/logging.h"
#include "rpc/stream_socket.h"
#include "rpc/thrift_codec.h"
#include "rpc/turn_budget.h"
#include "service/caller.h"
#include "service/server_stats.h"

namespace vitrine {

namespace {

// The first bytes of an unframed binary message (TBufferedTransport) read as a
// frame length: version 0x8001 then the message type (call or oneway).
bool looksUnframed(std::uint32_t announced) {
  return (announced >> 16) == 0x8001;
}

}  // namespace

RpcConnection::RpcConnection(StreamSocket* socket, QString peerName,
                             std::shared_ptr<apache::thrift::async::TAsyncProcessor> processor, const RpcLimits& limits,
                             ServerStats& stats, Admission admission, QObject* parent)
    : QObject(parent),
      socket_(socket),
      peerName_(std::move(peerName)),
      processor_(std::move(processor)),
      limits_(limits),
      stats_(stats),
      decoder_(limits.maxFrameBytes),
      authenticated_(admission == Admission::Open) {
  socket_->setParent(this);
  ++stats_.connections;
  connect(socket_, &StreamSocket::disconnected, this, &RpcConnection::close);
  connect(socket_, &QIODevice::readyRead, this, &RpcConnection::readAvailable);
  // Replies drained: queued calls held back by maxUnsentReplyBytes may go on.
  // Direct, and a flag test only: flush() emits bytesWritten synchronously
  // after every reply, and a queued connection would post an event (a
  // wake-up of the event loop, a write(2) to its eventfd) per call. The
  // resumption itself goes through the event loop, out of flush()'s stack.
  connect(socket_, &QIODevice::bytesWritten, this, [this] {
    if (!waitingForDrain_) return;
    waitingForDrain_ = false;
    resumeLater();
  });
  qCDebug(lcRpc) << "connection from" << peerName_;
  readAvailable();
}

RpcConnection::~RpcConnection() {
  --stats_.connections;
}

bool RpcConnection::queueIsFull() const {
  return queued_.size() >= limits_.maxQueuedFrames || queuedBytes_ >= limits_.maxQueuedBytes;
}

void RpcConnection::readAvailable() {
  if (readIntoQueue()) dispatchQueued();
}

bool RpcConnection::readIntoQueue() {
  while (!closing_ && !queueIsFull()) {
    std::span<char> room = decoder_.writable();
    const qint64 got = socket_->read(room.data(), static_cast<qint64>(room.size()));
    if (got <= 0) break;  // nothing more for now (or the socket is closing: disconnected follows)
    switch (decoder_.commit(static_cast<std::size_t>(got))) {
      case FrameDecoder::Status::Ok:
        break;
      case FrameDecoder::Status::EmptyFrame:
        drop(QStringLiteral("empty frame"));
        return false;
      case FrameDecoder::Status::FrameTooLarge:
        if (looksUnframed(decoder_.announcedLength())) {
          drop(QStringLiteral("unframed Thrift message; vitrine speaks the framed transport"));
        } else {
          drop(QStringLiteral("frame of %1 bytes exceeds the limit of %2 bytes (--max-frame)")
                   .arg(decoder_.announcedLength())
                   .arg(limits_.maxFrameBytes));
        }
        return false;
    }
    if (decoder_.hasFrame()) {
      FrameBytes frame = decoder_.takeFrame();
      queuedBytes_ += frame.size();
      queued_.push_back(std::move(frame));
    }
  }
  return !closing_;
}

void RpcConnection::dispatchQueued() {
  if (dispatching_) return;
  dispatching_ = true;
  // One budget for the whole turn, refills from the socket included: a peer
  // that keeps its pipe full must still yield (see TurnBudget).
  TurnBudget turn;
  while (!closing_ && !callInFlight_) {
    if (queued_.empty()) {
      // Room in the queue again: take what the socket (or the kernel) holds.
      if (socket_->bytesAvailable() <= 0 || !readIntoQueue() || queued_.empty()) break;
    }
    if (static_cast<std::size_t>(socket_->bytesToWrite()) > limits_.maxUnsentReplyBytes) {
      waitingForDrain_ = true;  // bytesWritten resumes us
      break;
    }
    if (!turn.takeOne()) {
      // This turn's share is used: come back after what else waits in the event loop.
      dispatching_ = false;
      return resumeLater();
    }

    FrameBytes frame = std::move(queued_.front());
    queued_.pop_front();
    queuedBytes_ -= frame.size();

    if (!codec_) {
      auto protocol = ThriftCodec::detect(frame);
      if (!protocol) {
        dispatching_ = false;
        return drop(QStringLiteral("not a Thrift binary or compact message"));
      }
      codec_ = std::make_shared<ThriftCodec>(*protocol, limits_);
    }
    if (!authenticated_ && !admit(frame)) {
      dispatching_ = false;
      return;
    }

    callInFlight_ = true;
    codec_->beginCall(frame);
    // The completion may run now (inside process) or much later (a page
    // load, a dialog). The codec is captured so the reply always has valid
    // buffers to land in; the connection itself may be gone by then.
    QPointer<RpcConnection> self(this);
    std::shared_ptr<ThriftCodec> codec = codec_;
    try {
      const CallerScope caller(this);  // handlers may tie a dialog's life to this connection
      processor_->process(
          [self, codec](bool ok) {
            if (self) self->finishCall(ok);
          },
          codec->input(), codec->output());
    } catch (const std::exception& e) {
      // Thrown while reading the message (bad version, size limit, depth...).
      dispatching_ = false;
      return drop(QStringLiteral("malformed request: %1").arg(QString::fromUtf8(e.what())));
    }
    // process() has read every argument: the frame's storage serves the next
    // frame (a stream of pictures reuses one buffer, no fresh pages).
    decoder_.recycle(std::move(frame));
  }
  dispatching_ = false;
}

void RpcConnection::resumeLater() {
  if (resumePosted_) return;
  resumePosted_ = true;
  QMetaObject::invokeMethod(
      this,
      [this] {
        resumePosted_ = false;
        dispatchQueued();
      },
      Qt::QueuedConnection);
}

void RpcConnection::finishCall(bool ok) {
  callInFlight_ = false;
  if (closing_) return;
  if (!ok) return drop(QStringLiteral("request rejected by the protocol"));
  std::span<const char> reply = codec_->replyFrame();
  if (!reply.empty()) {
    socket_->write(reply.data(), static_cast<qint64>(reply.size()));
    socket_->flush();
  }
  ++stats_.callsServed;
  if (closeAfterReply_) return closeAfterWriting(QStringLiteral("wrong token in authenticate"));
  // An asynchronous completion restarts the queue; a synchronous one is
  // picked up by the dispatch loop that is still on the stack.
  if (!dispatching_) dispatchQueued();
}

bool RpcConnection::isRemote() const {
  return socket_->isRemote();
}

void RpcConnection::authenticationSucceeded() {
  authenticated_ = true;
}

void RpcConnection::authenticationFailed() {
  authenticated_ = false;
  closeAfterReply_ = true;  // finishCall writes the AuthenticationFailed answer first
}

bool RpcConnection::admit(std::span<const char> frame) {
  const std::optional<ThriftCodec::CallHeader> call = codec_->peekCall(frame);
  if (!call) {
    drop(QStringLiteral("malformed request: not a readable call message"));
    return false;
  }
  if (call->method == kAuthenticateMethod) return true;
  // Nothing of the call is read beyond its name, let alone served.
  if (!call->oneway) {
    const std::span<const char> reply = codec_->exceptionReplyFrame(
        *call, "authentication required: this server has a --token-file, so a TCP connection must call "
               "authenticate(token) before anything else (vitrine's clients send $VITRINE_TOKEN); "
               "closing the connection");
    socket_->write(reply.data(), static_cast<qint64>(reply.size()));
    socket_->flush();
  }
  QString method = QString::fromStdString(call->method).left(100);  // the peer's bytes: one clean log line
  for (QChar& c : method) {
    if (c.unicode() < 0x20 || c.unicode() == 0x7f) c = QLatin1Char('?');
  }
  closeAfterWriting(QStringLiteral("'%1' called before authenticate").arg(method));
  return false;
}

void RpcConnection::closeAfterWriting(const QString& reason) {
  if (closing_) return;
  qCWarning(lcRpc).noquote() << "closing connection" << peerName_ << "-" << reason;
  closing_ = true;
  queued_.clear();
  queuedBytes_ = 0;
  // Answers written so far go out first (a peer that does not read them
  // is closed after a few seconds all the same); disconnected() then
  // calls close(), which deletes us.
  socket_->disconnectFromPeer();
}

void RpcConnection::drop(const QString& reason) {
  if (closing_) return;
  qCWarning(lcRpc).noquote() << "closing connection" << peerName_ << "-" << reason;
  close();
}

void RpcConnection::close() {
  // Also the end of closeAfterWriting(), when the socket has closed.
  closing_ = true;
  queued_.clear();
  queuedBytes_ = 0;
  socket_->abort();
  deleteLater();
}

}  // namespace vitrine
