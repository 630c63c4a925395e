// Fuzz target: Thrift frame intake, as RpcConnection does it, minus the socket.
//
// Input: the bytes a peer sends on one connection (any number of framed
// messages, binary or compact protocol). They go through FrameDecoder (read
// in chunks of varying size through writable()/commit(), as from a socket),
// each complete frame through ThriftCodec::detect + beginCall (the codec is
// picked by the first frame, as on a connection) and the generated
// VitrineAsyncProcessor over FuzzHandler, which answers at once. The first
// frame that is not Thrift, fails to read or is rejected by the processor
// ends the "connection", as RpcConnection::drop would.
//
// Checked, beyond the sanitizers: chunked reading finds the same frames as
// FrameDecoder::feed on the whole input; the processor either throws a
// std::exception or calls its completion exactly once, synchronously; a
// reply is one well-formed frame in the call's protocol, naming the call's
// method and seqid, whose message reads completely.
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "rpc/frame_decoder.h"
#include "net/request_limits.h"
#include "net/thrift_codec.h"

namespace {

using apache::thrift::protocol::TMessageType;
using apache::thrift::protocol::TProtocol;
using apache::thrift::transport::TMemoryBuffer;
using vitrine::FrameDecoder;
using vitrine::ThriftCodec;
using vitrine::fuzz::FuzzHandler;

struct Processor {
  std::shared_ptr<FuzzHandler> handler = std::make_shared<FuzzHandler>();
  std::shared_ptr<vitrine::api::VitrineAsyncProcessor> processor =
      std::make_shared<vitrine::api::VitrineAsyncProcessor>(handler);
};

Processor& shared() {
  static Processor* const instance = new Processor;  // process-wide, never destroyed
  return *instance;
}

/// A reader of `buffer` whose strings and containers are no longer than the
/// buffer (as ThriftCodec does: without that, one length prefix allocates GBs).
std::shared_ptr<TProtocol> readerFor(ThriftCodec::Protocol protocol, const std::shared_ptr<TMemoryBuffer>& buffer) {
  const auto limit = static_cast<std::int32_t>(std::max<std::uint32_t>(buffer->available_read(), 1));
  if (protocol == ThriftCodec::Protocol::Binary) {
    return std::make_shared<apache::thrift::protocol::TBinaryProtocol>(buffer, limit, limit, /*strict_read=*/true,
                                                                       /*strict_write=*/true);
  }
  return std::make_shared<apache::thrift::protocol::TCompactProtocol>(buffer, limit, limit);
}

std::shared_ptr<TMemoryBuffer> observe(std::span<const char> bytes) {
  return std::make_shared<TMemoryBuffer>(reinterpret_cast<std::uint8_t*>(const_cast<char*>(bytes.data())),
                                         static_cast<std::uint32_t>(bytes.size()), TMemoryBuffer::OBSERVE);
}

struct MessageHeader {
  std::string name;
  TMessageType type{};
  std::int32_t seqid = 0;
};

/// The call's header as an independent reader sees it; nullopt if unreadable.
std::optional<MessageHeader> peekHeader(ThriftCodec::Protocol protocol, std::span<const char> frame) {
  try {
    auto reader = readerFor(protocol, observe(frame));
    MessageHeader header;
    reader->readMessageBegin(header.name, header.type, header.seqid);
    return header;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// The reply must be one whole frame in the call's protocol, for the call's
/// method and seqid, whose message reads to its end.
void checkReply(ThriftCodec::Protocol protocol, std::span<const char> reply, const std::optional<MessageHeader>& call) {
  VITRINE_FUZZ_CHECK(reply.size() > 4);
  std::uint32_t announced = 0;
  for (int i = 0; i < 4; ++i) announced = announced << 8 | static_cast<unsigned char>(reply[i]);
  VITRINE_FUZZ_CHECK(announced == reply.size() - 4);
  auto buffer = observe(reply.subspan(4));
  auto reader = readerFor(protocol, buffer);
  MessageHeader header;
  try {
    reader->readMessageBegin(header.name, header.type, header.seqid);
    VITRINE_FUZZ_CHECK(header.type == apache::thrift::protocol::T_REPLY ||
                       header.type == apache::thrift::protocol::T_EXCEPTION);
    if (header.type == apache::thrift::protocol::T_EXCEPTION) {
      apache::thrift::TApplicationException exception;
      exception.read(reader.get());
    } else {
      reader->skip(apache::thrift::protocol::T_STRUCT);
    }
    reader->readMessageEnd();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unreadable reply: %s\n", e.what());
    VITRINE_FUZZ_CHECK(!"the reply reads");
  }
  VITRINE_FUZZ_CHECK(buffer->available_read() == 0);
  // The processor could process the call, so the header peeked the same way.
  VITRINE_FUZZ_CHECK(call.has_value());
  VITRINE_FUZZ_CHECK(header.name == call->name);
  VITRINE_FUZZ_CHECK(header.seqid == call->seqid);
}

/// Runs one frame; returns false when the connection would be dropped.
bool serveFrame(std::shared_ptr<ThriftCodec>& codec, const vitrine::RequestLimits& limits, const std::vector<char>& frame) {
  if (!codec) {
    const auto protocol = ThriftCodec::detect(frame);
    if (!protocol) return false;
    codec = std::make_shared<ThriftCodec>(*protocol, limits);
  }
  const std::optional<MessageHeader> call = peekHeader(codec->protocol(), frame);
  Processor& p = shared();
  // The seqid is the peer's: it picks how the handler answers.
  p.handler->outcome = vitrine::fuzz::outcomeFrom(call ? static_cast<std::uint32_t>(call->seqid) : 0);

  codec->beginCall(frame);
  int completions = 0;
  bool completedOk = false;
  try {
    p.processor->process(
        [&](bool ok) {
          ++completions;
          completedOk = ok;
        },
        codec->input(), codec->output());
  } catch (const std::exception&) {
    return false;  // RpcConnection: "malformed request", connection dropped
  }
  // FuzzHandler answers at once: a call left without completion would hang the connection.
  VITRINE_FUZZ_CHECK(completions == 1);
  if (!completedOk) return false;  // "request rejected by the protocol"
  const std::span<const char> reply = codec->replyFrame();
  if (!reply.empty()) checkReply(codec->protocol(), reply, call);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const char> input(reinterpret_cast<const char*>(data), size);
  vitrine::RequestLimits limits;
  limits.maxFrameBytes = 1u << 16;  // small, so FrameTooLarge is reachable; the input is smaller anyway
  limits.maxContainerElements = 1 << 12;

  // Reference: the whole input at once.
  std::vector<std::vector<char>> expected;
  FrameDecoder reference(limits.maxFrameBytes);
  const FrameDecoder::Status expectedStatus = reference.feed(input, expected);

  // As a socket delivers it: reads of 1..7 bytes, or as much as fits, chosen by the size.
  const std::size_t chunk = size % 8 == 0 ? SIZE_MAX : size % 8;
  FrameDecoder decoder(limits.maxFrameBytes);
  std::shared_ptr<ThriftCodec> codec;
  std::size_t offset = 0;
  std::size_t frames = 0;
  FrameDecoder::Status status = FrameDecoder::Status::Ok;
  bool open = true;
  while (offset < size && status == FrameDecoder::Status::Ok) {
    const std::span<char> room = decoder.writable();
    VITRINE_FUZZ_CHECK(!room.empty());
    const std::size_t n = std::min({room.size(), size - offset, chunk});
    std::memcpy(room.data(), input.data() + offset, n);
    offset += n;
    status = decoder.commit(n);
    if (decoder.hasFrame()) {
      VITRINE_FUZZ_CHECK(decoder.writable().empty());
      const std::span<const char> payload = decoder.frame();
      const std::vector<char> frame(payload.begin(), payload.end());
      decoder.nextFrame();
      VITRINE_FUZZ_CHECK(frames < expected.size() && frame == expected[frames]);
      ++frames;
      if (open) open = serveFrame(codec, limits, frame);
    }
  }
  VITRINE_FUZZ_CHECK(status == expectedStatus);
  VITRINE_FUZZ_CHECK(frames == expected.size());

  // As a connection reads an oversized frame: skipped to its end (to be
  // answered), keeping only its head, which must read as a call or be refused.
  if (status == FrameDecoder::Status::FrameTooLarge && decoder.announcedLength() <= 0x7fffffffu) {
    constexpr std::size_t kHead = 512;
    decoder.skipOversizedFrame(kHead);
    const std::uint64_t announced = decoder.announcedLength();
    std::uint64_t taken = 0;
    while (offset < size && decoder.skipping()) {
      const std::span<char> room = decoder.writable();
      VITRINE_FUZZ_CHECK(!room.empty());
      const std::size_t n = std::min({room.size(), size - offset, chunk});
      std::memcpy(room.data(), input.data() + offset, n);
      offset += n;
      taken += n;
      VITRINE_FUZZ_CHECK(decoder.commit(n) == FrameDecoder::Status::Ok);
    }
    VITRINE_FUZZ_CHECK(decoder.skippedHead().size() <= kHead && decoder.skippedHead().size() <= taken);
    VITRINE_FUZZ_CHECK(decoder.skippedFrame() == (taken == announced));
    if (decoder.skippedHeadComplete()) {
      const std::span<const char> head = decoder.skippedHead();
      if (const auto protocol = ThriftCodec::detect(head)) {
        ThriftCodec refusal(*protocol, limits);
        if (const auto call = refusal.peekCall(head)) {
          VITRINE_FUZZ_CHECK(!refusal.exceptionReplyFrame(*call, "LimitExceeded: fuzz", 7).empty());
        }
      }
    }
  }
  return 0;
}
