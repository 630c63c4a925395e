#include "amp/amp_connection.h"

#include <thrift/async/TAsyncProcessor.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <QPointer>
#include <exception>

#include "amp/amp_call_writer.h"
#include "amp/amp_message_reader.h"
#include "amp/amp_schema.h"
#include "base/logging.h"
#include "net/request_limits.h"
#include "net/stream_socket.h"
#include "net/turn_budget.h"
#include "net/thrift_codec.h"
#include "service/event_log.h"
#include "service/server_stats.h"
#include "vitrine/api/VitrineEvents.h"

namespace vitrine {

namespace {

// Bytes taken from the socket per read.
constexpr std::size_t kReadChunk = 64 * 1024;
// Thrift codecs kept for reuse per connection (one per command in flight).
constexpr std::size_t kIdleCodecs = 4;
// The call message buffer is kept between commands up to this size (a few
// 1 MiB pictures' worth); a larger one is freed after its command.
constexpr std::uint32_t kKeptCallBufferBytes = 4u << 20;
// Bytes read per pass before the connection yields the GUI thread to the
// others: a 64 MiB box arrives in a few turns of the event loop, not one (and
// an oversized box being skipped may be hundreds of megabytes).
constexpr std::size_t kBytesPerPass = 16u << 20;
// Longest error description sent (a peer's command name is quoted in some).
constexpr std::size_t kMaxDescription = 4096;
constexpr std::size_t kMaxQuotedName = 200;

// `name` as it may appear in a description: printable ASCII kept, anything
// else as \xNN, clipped (it comes from the peer and may be anything).
std::string quoteForDescription(std::string_view name) {
  std::string out;
  for (const char c : name.substr(0, kMaxQuotedName)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  if (name.size() > kMaxQuotedName) out += "...";
  return out;
}

// Twisted writes its ask tags in lower-case hex; ours look the same.
std::string hexTag(std::uint64_t number) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kHex[number & 0xf]);
    number >>= 4;
  } while (number != 0);
  return out;
}

}  // namespace

AmpConnection::AmpConnection(StreamSocket* socket, Peer peer, std::shared_ptr<const AmpSchema> schema,
                             const ProcessorFactory& makeProcessor, const AmpLimits& limits,
                             ConnectionRegistry& registry, ServerStats& stats, Admission admission, QObject* parent)
    : ConnectionShell(socket, std::move(peer), registry, admission, makeProcessor, &lcAmp, parent),
      schema_(std::move(schema)),
      limits_(limits),
      stats_(stats),
      decoder_(authenticated() ? limits.box : limits.unauthenticatedBox, AmpBoxDecoder::EmptyBoxes::Reject,
               AmpBoxDecoder::OversizedBoxes::SkipThenFail) {
  connect(socket_, &QIODevice::readyRead, this, &AmpConnection::serve);
  // The peer read what we sent: commands and events held back by
  // maxUnsentBytes may go on. Direct, and a flag test only: flush() emits
  // bytesWritten synchronously after every answer (inside send(), which may
  // run inside another connection's command), and a queued connection would
  // post an event, a wake-up of the event loop, per answer. The resumption
  // itself is queued.
  connect(socket_, &QIODevice::bytesWritten, this, [this] {
    if (!waitingForDrain_) return;
    waitingForDrain_ = false;
    QMetaObject::invokeMethod(
        this,
        [this] {
          serve();
          pushEvents();
        },
        Qt::QueuedConnection);
  });
  serve();
}

AmpConnection::~AmpConnection() = default;

void AmpConnection::stopServing() {
  queued_.clear();
  unsubscribeEvents();
}

void AmpConnection::onAuthenticated() {
  decoder_.setLimits(limits_.box);
}

void AmpConnection::releaseIdleMemory() {
  ConnectionShell::releaseIdleMemory();
  if (commandsInFlight_ > 0 || !queued_.empty()) return;
  idleCodecs_.clear();
  callBuffer_.reset();
  std::vector<char>().swap(readBuffer_);
}

bool AmpConnection::unsentBytesOverLimit() const {
  return static_cast<std::size_t>(socket_->bytesToWrite()) > limits_.maxUnsentBytes;
}

bool AmpConnection::roomToServe() const {
  // A peer that has yet to authenticate gets one command at a time: it cannot
  // pile up a thousand authenticate attempts.
  const std::size_t maxInFlight = authenticated() ? limits_.maxCommandsInFlight : 1;
  return commandsInFlight_ < maxInFlight && !unsentBytesOverLimit();
}

void AmpConnection::serve() {
  if (serving_) return;  // a command that completed synchronously: the loop below goes on
  serving_ = true;
  TurnBudget turn;  // one for the whole call, reads included
  bool turnUsed = false;
  std::size_t readThisPass = 0;
  while (!closing()) {
    while (!closing() && !queued_.empty() && roomToServe()) {
      if (!turn.takeOne()) {
        turnUsed = true;
        break;
      }
      const AmpBox box = std::move(queued_.front());
      queued_.pop_front();
      handleBox(box);
    }
    if (turnUsed) {
      // This turn's share is used: come back after what else waits in the event loop.
      resumeLater();
      break;
    }
    if (closing() || !roomToServe()) {
      // Resumed by finishCommand, or by bytesWritten when the peer reads.
      if (!closing() && unsentBytesOverLimit()) waitingForDrain_ = true;
      setPartialMessage(false);  // we stopped reading: the peer's half-sent box is not its fault
      break;
    }
    if (!queued_.empty()) continue;
    if (readThisPass >= kBytesPerPass) {
      resumeLater();  // the rest after the other connections' turns
      break;
    }
    readBuffer_.resize(kReadChunk);
    const qint64 got = socket_->read(readBuffer_.data(), static_cast<qint64>(readBuffer_.size()));
    if (got <= 0) break;  // nothing more for now (or the socket is closing: disconnected follows)
    noteActivity();
    readThisPass += static_cast<std::size_t>(got);
    std::vector<AmpBox> boxes;
    const AmpBoxDecoder::Status status = decoder_.feed({readBuffer_.data(), static_cast<std::size_t>(got)}, boxes);
    if (status != AmpBoxDecoder::Status::Ok) {
      serving_ = false;
      return refuseBox(status);
    }
    if (decoder_.skipping() && !authenticated()) {
      serving_ = false;
      // A peer nobody knows is not worth reading megabytes from.
      return drop(QStringLiteral("a box of more than %1 bytes or %2 keys before authenticate")
                      .arg(decoder_.limits().maxBoxBytes)
                      .arg(decoder_.limits().maxKeysPerBox));
    }
    for (AmpBox& box : boxes) queued_.push_back(std::move(box));
  }
  // The read deadline runs while a box is partly here and we are reading.
  if (!closing() && roomToServe()) setPartialMessage(decoder_.bufferedBytes() > 0);
  serving_ = false;
}

void AmpConnection::refuseBox(AmpBoxDecoder::Status status) {
  const QString reason = QString::fromUtf8(AmpBoxDecoder::describe(status));
  const bool overLimits = status == AmpBoxDecoder::Status::BoxTooLarge || status == AmpBoxDecoder::Status::TooManyKeys;
  if (!overLimits || !authenticated()) return drop(reason);
  const QString limit = status == AmpBoxDecoder::Status::BoxTooLarge
                            ? QStringLiteral("a box of more than %1 bytes of keys and values (--max-frame)")
                                  .arg(decoder_.limits().maxBoxBytes)
                            : QStringLiteral("a box of more than %1 keys").arg(decoder_.limits().maxKeysPerBox);
  // The whole box has gone by, so the peer reads this before the close.
  if (const std::optional<std::string>& ask = decoder_.refusedAsk()) {
    sendError(*ask, "LIMIT_EXCEEDED",
              "LimitExceeded: " + limit.toStdString() + " is over the server's limit; the server closes the connection");
  }
  closeAfterWriting(QStringLiteral("%1 (%2)").arg(reason, limit));
}

void AmpConnection::resumeLater() {
  if (resumePosted_) return;
  resumePosted_ = true;
  QMetaObject::invokeMethod(
      this,
      [this] {
        resumePosted_ = false;
        serve();
      },
      Qt::QueuedConnection);
}

void AmpConnection::handleBox(const AmpBox& box) {
  if (!authenticated()) {
    const std::string* name = box.find("_command");
    const AmpCommand* command = name ? schema_->find(*name) : nullptr;
    if (!command || command->method != kAuthenticateMethod) return refuseUnauthenticated(box);
  }
  // Twisted's dispatch order: an answer, an error, then a command.
  if (const std::string* tag = box.find("_answer")) return handleEventAnswer(box, *tag, /*isError=*/false);
  if (const std::string* tag = box.find("_error")) return handleEventAnswer(box, *tag, /*isError=*/true);
  if (box.contains("_command")) return serveCommand(box);
  drop(QStringLiteral("a box with no _command, _answer or _error"));
}

void AmpConnection::serveCommand(const AmpBox& box) {
  const std::string& name = *box.find("_command");
  std::optional<std::string> tag;  // no _ask: serve, but answer nothing, not even an error
  if (const std::string* ask = box.find("_ask")) tag = *ask;

  const AmpCommand* command = schema_->find(name);
  if (!command) {
    if (tag) sendError(*tag, "UNHANDLED", "Unhandled Command: '" + quoteForDescription(name) + "'");
    return;
  }
  std::string error;
  nextSequenceId_ = (nextSequenceId_ + 1) & 0x7fffffff;  // a positive i32, wrapping
  if (!callBuffer_) callBuffer_ = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  if (!AmpCallWriter::writeCall(*command, box, static_cast<std::int32_t>(nextSequenceId_), callBuffer_, &error)) {
    if (tag) sendError(*tag, "INVALID_ARGUMENT", error);
    return;
  }
  std::uint8_t* callBytes = nullptr;
  std::uint32_t callSize = 0;
  callBuffer_->getBuffer(&callBytes, &callSize);
  const std::span<const char> call(reinterpret_cast<const char*>(callBytes), callSize);

  std::shared_ptr<ThriftCodec> codec = takeCodec();
  ++commandsInFlight_;
  // The completion may run now (inside process) or much later (a dialog);
  // the connection may be gone by then. The codec and the processor travel with it.
  QPointer<AmpConnection> self(this);
  try {
    // The codec reads `call` in place: process() reads every argument before
    // it returns, so callBuffer_ is free again when this function ends (and
    // serve(), the only caller, never runs twice at once).
    codec->beginCall(call);
    processor_->process(
        [self, command, tag = std::move(tag), codec, processor = processor_](bool ok) {
          if (self) self->finishCommand(*command, tag, codec, ok);
        },
        codec->input(), codec->output());
  } catch (const std::exception& e) {
    // Reading our own translation failed: a bug on our side, answered as such.
    // (`tag` has moved into the completion, which never ran: the box still has it.)
    --commandsInFlight_;
    qCWarning(lcAmp).noquote() << "cannot serve" << QString::fromStdString(command->name) << "-" << e.what();
    if (const std::string* ask = box.find("_ask")) sendError(*ask, "UNKNOWN", "Unknown Error");
  }
  // Kept for the next command unless one huge request left it huge.
  if (callBuffer_->getBufferSize() > kKeptCallBufferBytes) callBuffer_.reset();
}

void AmpConnection::finishCommand(const AmpCommand& command, const std::optional<std::string>& tag,
                                  std::shared_ptr<ThriftCodec> codec, bool ok) {
  --commandsInFlight_;
  ++stats_.callsServed;
  if (closing()) return;
  if (tag) {
    const std::span<const char> message = codec->replyMessage();
    if (!ok || message.empty()) {
      sendError(*tag, "UNKNOWN", "Unknown Error");
    } else {
      AmpReply reply = AmpMessageReader::replyToBox(command, {message.data(), message.size()});
      if (reply.ok) {
        reply.answer.set("_answer", *tag);
        send(reply.answer);
      } else {
        sendError(*tag, reply.errorCode, reply.errorDescription);
      }
    }
  }
  if (closeAfterReply()) return closeAfterWriting(QStringLiteral("wrong token in authenticate"));
  if (ok && idleCodecs_.size() < kIdleCodecs) {
    codec->releaseReplyBuffer();  // the answer is in the socket now: a screenshot is not kept twice
    idleCodecs_.push_back(std::move(codec));
  }
  serve();  // a slot is free: held-back commands may go on
}

std::shared_ptr<ThriftCodec> AmpConnection::takeCodec() {
  if (idleCodecs_.empty()) {
    // A call message is never much longer than its box: every value is copied
    // once, each key (at least 1 byte + 2 of length) becomes a 3-byte field
    // header, and list/struct framing adds a few bytes per key. Twice the box
    // limit is room enough, and still a limit.
    RequestLimits codecLimits;
    codecLimits.maxFrameBytes =
        static_cast<std::uint32_t>(std::min<std::size_t>(2 * limits_.box.maxBoxBytes, 0x7fffffffu));
    return std::make_shared<ThriftCodec>(ThriftCodec::Protocol::Binary, codecLimits);
  }
  std::shared_ptr<ThriftCodec> codec = std::move(idleCodecs_.back());
  idleCodecs_.pop_back();
  return codec;
}

void AmpConnection::sendError(const std::string& tag, const std::string& code, const std::string& description) {
  AmpBox box;
  box.set("_error", tag);
  box.set("_error_code", code);
  box.set("_error_description", description.substr(0, kMaxDescription));
  send(box);
}

bool AmpConnection::send(const AmpBox& box) {
  if (closing()) return false;
  std::string bytes;
  try {
    bytes = encodeBox(box);
  } catch (const std::invalid_argument& e) {
    // A key or value the wire cannot carry: the translation's bug, not the peer's.
    qCCritical(lcAmp).noquote() << "cannot send a box to" << peerName() << "-" << e.what();
    return false;
  }
  socket_->write(bytes.data(), static_cast<qint64>(bytes.size()));
  socket_->flush();
  return true;
}

// ---------------------------------------------------------------- events

void AmpConnection::subscribeEvents(EventLog& log, std::int64_t afterSequence) {
  if (!eventWriter_) {
    eventCommand_ = schema_->findCallback("event");
    eventBuffer_ = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
    eventWriter_ = std::make_unique<api::VitrineEventsClient>(
        std::make_shared<apache::thrift::protocol::TBinaryProtocol>(eventBuffer_));
  }
  unsubscribeEvents();
  eventLog_ = &log;
  eventWait_ = std::make_unique<QObject>();
  subscription_ = ++subscriptionsMade_;
  pushedThrough_ = afterSequence;
  // After this call's own answer has gone out: a peer sees subscribeEvents
  // answered before the first Event.
  QMetaObject::invokeMethod(this, &AmpConnection::pushEvents, Qt::QueuedConnection);
}

void AmpConnection::unsubscribeEvents() {
  eventWait_.reset();  // the log forgets our wait (unless it is delivering it right now: see eventsArrived)
  subscription_ = 0;
  waiting_ = false;
  eventsToPush_.clear();
}

void AmpConnection::pushEvents() {
  // Re-entered from a send, or from the event log delivering synchronously
  // the events a new wait finds already there: the loop below takes them.
  if (pushing_) {
    pushAgain_ = true;
    return;
  }
  pushing_ = true;
  do {
    pushAgain_ = false;
    pushQueuedEvents();
  } while (pushAgain_);
  pushing_ = false;
}

void AmpConnection::pushQueuedEvents() {
  if (closing() || subscription_ == 0) return;
  while (!eventsToPush_.empty() && unansweredEvents_.size() < limits_.maxUnansweredEvents &&
         static_cast<std::size_t>(socket_->bytesToWrite()) <= limits_.maxUnsentBytes) {
    const api::Event event = std::move(eventsToPush_.front());
    eventsToPush_.pop_front();
    // The generated VitrineEvents client writes the call; the schema makes it a box.
    eventBuffer_->resetBuffer();
    eventWriter_->send_event(event);
    AmpBox box;
    try {
      box = AmpMessageReader::boxFromCall(*eventCommand_, eventBuffer_->getBufferAsString());
    } catch (const std::exception& e) {
      // An event AMP cannot carry (an answer's choices over one 65535-byte
      // value): this peer misses it; waitEvents over Thrift still has it.
      qCWarning(lcAmp).noquote() << "event" << event.sequence << "cannot be pushed to" << peerName() << "-" << e.what();
      continue;
    }
    std::string tag = hexTag(++nextEventTag_);
    box.set("_ask", tag);
    if (send(box)) unansweredEvents_.insert(std::move(tag));
  }
  if (!eventsToPush_.empty() && unsentBytesOverLimit()) waitingForDrain_ = true;  // bytesWritten resumes us
  if (eventsToPush_.empty() && !waiting_ && subscription_ != 0 && !closing()) {
    waiting_ = true;
    QPointer<AmpConnection> self(this);
    // Dropped unanswered when eventWait_ goes (unsubscribe, resubscribe, close).
    eventLog_->wait(pushedThrough_, EventLog::kMaxWait, eventWait_.get(),
                    [self, subscription = subscription_](const std::vector<api::Event>& events) {
                      if (self) self->eventsArrived(subscription, events);
                    });
  }
}

void AmpConnection::eventsArrived(std::uint64_t subscription, const std::vector<api::Event>& events) {
  // The log may deliver a wait that was already under way when its
  // subscription ended (it answers every waiter of an event in one loop):
  // those events belong to no one now.
  if (subscription != subscription_) return;
  waiting_ = false;
  for (const api::Event& event : events) {
    if (event.sequence > 0) pushedThrough_ = event.sequence;  // EVENTS_MISSED has none
    eventsToPush_.push_back(event);
  }
  pushEvents();  // also waits again after an empty answer (the log's wait timed out)
}

void AmpConnection::handleEventAnswer(const AmpBox& box, const std::string& tag, bool isError) {
  if (unansweredEvents_.erase(tag) == 0) {
    return drop(QStringLiteral("an answer to a command vitrine never sent (tag '%1')")
                    .arg(QString::fromStdString(quoteForDescription(tag))));
  }
  if (isError) {
    const std::string* code = box.find("_error_code");
    if (code && *code == "UNHANDLED") {
      // It subscribed but has no responder: pushing more would only make more errors.
      if (subscription_ != 0) {
        qCWarning(lcAmp).noquote() << peerName() << "does not handle Event commands; its event push stops";
      }
      unsubscribeEvents();
      return;
    }
    qCDebug(lcAmp).noquote() << peerName() << "answered an Event with error"
                             << QString::fromStdString(quoteForDescription(code ? *code : std::string()));
  }
  pushEvents();
}

// ---------------------------------------------------------------- authentication

void AmpConnection::refuseUnauthenticated(const AmpBox& box) {
  // Nothing of the box is served; only its tag is echoed.
  if (const std::string* ask = box.find("_ask")) {
    sendError(*ask, "AUTHENTICATION_REQUIRED",
              "authentication required: this server has a --token-file, so a TCP connection must call "
              "authenticate(token) before anything else (vitrine's clients send $VITRINE_TOKEN); "
              "closing the connection");
  }
  const std::string* name = box.find("_command");
  closeAfterWriting(QStringLiteral("'%1' before authenticate")
                        .arg(QString::fromStdString(quoteForDescription(name ? *name : std::string("(not a command)")))));
}

}  // namespace vitrine
