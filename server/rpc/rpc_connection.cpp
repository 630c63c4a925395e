#include "rpc/rpc_connection.h"

#include <thrift/TApplicationException.h>
#include <thrift/async/TAsyncProcessor.h>

#include <QPointer>
#include <exception>

#include "base/logging.h"
#include "net/stream_socket.h"
#include "net/thrift_codec.h"
#include "net/turn_budget.h"
#include "service/caller.h"
#include "service/server_stats.h"

namespace vitrine {

namespace {

// The first bytes of an unframed binary message (TBufferedTransport) read as a
// frame length: version 0x8001 then the message type (call or oneway).
bool looksUnframed(std::uint32_t announced) {
  return (announced >> 16) == 0x8001;
}

// Bytes of an oversized frame kept to read its call header from (the method
// name and sequence id the answer must carry).
constexpr std::size_t kOversizedHeadBytes = 512;
// Bytes read per pass before the connection yields the GUI thread to the
// others: a 64 MiB picture arrives in a few turns of the event loop, not one
// (and an oversized frame being skipped may be gigabytes).
constexpr std::size_t kBytesPerPass = 16u << 20;

}  // namespace

RpcConnection::RpcConnection(StreamSocket* socket, Peer peer, const ProcessorFactory& makeProcessor,
                             const RequestLimits& limits, ConnectionRegistry& registry, ServerStats& stats,
                             Admission admission, QObject* parent)
    : ConnectionShell(socket, std::move(peer), registry, admission, makeProcessor, &lcRpc, parent),
      limits_(limits),
      stats_(stats),
      decoder_(authenticated() ? limits.maxFrameBytes
                               : std::min(limits.maxFrameBytes, limits.maxUnauthenticatedFrameBytes)) {
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
  readAvailable();
}

RpcConnection::~RpcConnection() = default;

bool RpcConnection::queueIsFull() const {
  return queued_.size() >= limits_.maxQueuedFrames || queuedBytes_ >= limits_.maxQueuedBytes;
}

void RpcConnection::stopServing() {
  queued_.clear();
  queuedBytes_ = 0;
}

void RpcConnection::onAuthenticated() {
  decoder_.setMaxFrame(limits_.maxFrameBytes);
}

void RpcConnection::releaseIdleMemory() {
  ConnectionShell::releaseIdleMemory();
  if (!queued_.empty() || callInFlight_) return;
  decoder_.releaseBuffer();
  if (codec_) codec_->releaseReplyBuffer();
}

void RpcConnection::readAvailable() {
  if (readIntoQueue()) dispatchQueued();
}

bool RpcConnection::readIntoQueue() {
  std::size_t readThisPass = 0;
  while (!closing() && !queueIsFull()) {
    if (readThisPass >= kBytesPerPass) {
      resumeLater();  // the rest after the other connections' turns
      break;
    }
    std::span<char> room = decoder_.writable();
    const qint64 got = socket_->read(room.data(), static_cast<qint64>(room.size()));
    if (got <= 0) break;  // nothing more for now (or the socket is closing: disconnected follows)
    noteActivity();
    readThisPass += static_cast<std::size_t>(got);
    switch (decoder_.commit(static_cast<std::size_t>(got))) {
      case FrameDecoder::Status::Ok:
        break;
      case FrameDecoder::Status::EmptyFrame:
        drop(QStringLiteral("empty frame"));
        return false;
      case FrameDecoder::Status::FrameTooLarge:
        refuseOversizedFrame();
        if (closing()) return false;
        continue;
    }
    if (decoder_.skippedHeadComplete() && !oversizedHeadChecked_) {
      if (!oversizedFrameIsACall()) return false;
      oversizedHeadChecked_ = true;
    }
    if (decoder_.skippedFrame()) {
      answerOversizedFrame();
      return false;
    }
    if (decoder_.hasFrame()) {
      FrameBytes frame = decoder_.takeFrame();
      queuedBytes_ += frame.size();
      queued_.push_back(std::move(frame));
    }
  }
  // The read deadline runs while a frame is partly here and we are reading.
  setPartialMessage(!closing() && !queueIsFull() && decoder_.bufferedBytes() > 0);
  return !closing();
}

void RpcConnection::refuseOversizedFrame() {
  const std::uint32_t announced = decoder_.announcedLength();
  if (looksUnframed(announced)) {
    return drop(QStringLiteral("unframed Thrift message; vitrine speaks the framed transport"));
  }
  if (announced > 0x7fffffffu) {
    // Thrift's frame length is a signed 32-bit number: this is no Thrift peer.
    return drop(QStringLiteral("frame of %1 bytes announced; not Thrift").arg(announced));
  }
  if (!authenticated()) {
    // A peer nobody knows is not worth reading megabytes from.
    return drop(QStringLiteral("frame of %1 bytes before authenticate (at most %2 bytes until then)")
                    .arg(announced)
                    .arg(decoder_.maxFrame()));
  }
  // Read it to its end without keeping it, then answer: closing now, with its
  // bytes unread, would reset the connection and the peer would never read why.
  decoder_.skipOversizedFrame(kOversizedHeadBytes);
}

bool RpcConnection::oversizedFrameIsACall() {
  const std::span<const char> head = decoder_.skippedHead();
  const std::optional<ThriftCodec::Protocol> protocol = codec_ ? codec_->protocol() : ThriftCodec::detect(head);
  if (protocol && ThriftCodec(*protocol, limits_).peekCall(head)) return true;
  // Garbage, or a message that cannot be answered: not worth reading to its end.
  drop(QStringLiteral("frame of %1 bytes exceeds the limit of %2 bytes (--max-frame) and is not a readable call")
           .arg(decoder_.announcedLength())
           .arg(limits_.maxFrameBytes));
  return false;
}

void RpcConnection::answerOversizedFrame() {
  const QString reason = QStringLiteral("frame of %1 bytes exceeds the limit of %2 bytes (--max-frame)")
                             .arg(decoder_.announcedLength())
                             .arg(limits_.maxFrameBytes);
  const std::span<const char> head = decoder_.skippedHead();
  const std::optional<ThriftCodec::Protocol> protocol = codec_ ? codec_->protocol() : ThriftCodec::detect(head);
  // A codec of its own: the connection's may be writing the reply of a call in flight.
  std::optional<ThriftCodec::CallHeader> call;
  ThriftCodec refusal(protocol.value_or(ThriftCodec::Protocol::Binary), limits_);
  if (protocol) call = refusal.peekCall(head);
  if (!call || call->oneway) return closeAfterWriting(reason);
  const std::span<const char> reply = refusal.exceptionReplyFrame(
      *call, "LimitExceeded: the request " + reason.toStdString() + "; the server closes the connection",
      apache::thrift::TApplicationException::PROTOCOL_ERROR);
  socket_->write(reply.data(), static_cast<qint64>(reply.size()));
  socket_->flush();
  closeAfterWriting(reason);
}

void RpcConnection::dispatchQueued() {
  if (dispatching_) return;
  dispatching_ = true;
  // One budget for the whole turn, refills from the socket included: a peer
  // that keeps its pipe full must still yield (see TurnBudget).
  TurnBudget turn;
  while (!closing() && !callInFlight_) {
    if (queued_.empty()) {
      // Room in the queue again: take what the socket (or the kernel) holds.
      if (socket_->bytesAvailable() <= 0 || !readIntoQueue() || queued_.empty()) break;
    }
    if (static_cast<std::size_t>(socket_->bytesToWrite()) > limits_.maxUnsentReplyBytes) {
      waitingForDrain_ = true;  // bytesWritten resumes us
      setPartialMessage(false);  // we stopped reading: the peer's half-sent frame is not its fault
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
    if (!authenticated() && !admit(frame)) {
      dispatching_ = false;
      return;
    }

    callInFlight_ = true;
    codec_->beginCall(frame);
    // The completion may run now (inside process) or much later (a page
    // load, a dialog). The codec and the processor are captured so the reply
    // always has valid buffers to land in and a processor to write it; the
    // connection itself may be gone by then.
    QPointer<RpcConnection> self(this);
    std::shared_ptr<ThriftCodec> codec = codec_;
    try {
      processor_->process(
          [self, codec, processor = processor_](bool ok) {
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
        // The rest of a large frame (a pass stops at kBytesPerPass), then the queue.
        if (socket_->bytesAvailable() > 0 && !queueIsFull() && !readIntoQueue()) return;
        dispatchQueued();
      },
      Qt::QueuedConnection);
}

void RpcConnection::finishCall(bool ok) {
  callInFlight_ = false;
  if (closing()) return;
  if (!ok) return drop(QStringLiteral("request rejected by the protocol"));
  std::span<const char> reply = codec_->replyFrame();
  if (!reply.empty()) {
    socket_->write(reply.data(), static_cast<qint64>(reply.size()));
    socket_->flush();
    codec_->releaseReplyBuffer();  // the socket has the bytes now: a screenshot is not kept twice
  }
  ++stats_.callsServed;
  if (closeAfterReply()) return closeAfterWriting(QStringLiteral("wrong token in authenticate"));
  // An asynchronous completion restarts the queue; a synchronous one is
  // picked up by the dispatch loop that is still on the stack.
  if (!dispatching_) dispatchQueued();
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

}  // namespace vitrine
