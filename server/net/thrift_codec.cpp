#include "net/thrift_codec.h"

#include <thrift/TApplicationException.h>
#include <thrift/TConfiguration.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <boost/endian/conversion.hpp>
#include <cstring>
#include <limits>

#include "net/request_limits.h"

namespace vitrine {

using apache::thrift::TConfiguration;
using apache::thrift::transport::TMemoryBuffer;
using BinaryProtocol = apache::thrift::protocol::TBinaryProtocolT<TMemoryBuffer>;

namespace {

// Thrift 0.17's compact protocol takes its limits only in the constructor;
// they are protected members, so a subclass can move them per call.
class CompactProtocol : public apache::thrift::protocol::TCompactProtocolT<TMemoryBuffer> {
 public:
  using TCompactProtocolT::TCompactProtocolT;
  void setStringSizeLimit(std::int32_t limit) { string_limit_ = limit; }
  void setContainerSizeLimit(std::int32_t limit) { container_limit_ = limit; }
};

constexpr std::size_t kHeaderBytes = 4;
constexpr unsigned char kBinaryVersionByte = 0x80;   // TBinaryProtocol VERSION_1 >> 24
constexpr unsigned char kCompactProtocolId = 0x82;   // TCompactProtocol PROTOCOL_ID
}  // namespace

std::optional<ThriftCodec::Protocol> ThriftCodec::detect(std::span<const char> message) {
  if (message.empty()) return std::nullopt;
  switch (static_cast<unsigned char>(message[0])) {
    case kBinaryVersionByte:
      return Protocol::Binary;
    case kCompactProtocolId:
      return Protocol::Compact;
    default:
      return std::nullopt;
  }
}

ThriftCodec::ThriftCodec(Protocol protocol, const RequestLimits& limits)
    : protocol_(protocol), maxContainerElements_(limits.maxContainerElements) {
  // Thrift's own message-size accounting must allow our largest frame.
  const int maxMessage = static_cast<int>(std::min<std::uint32_t>(limits.maxFrameBytes, std::numeric_limits<int>::max()));
  auto config = std::make_shared<TConfiguration>(maxMessage, maxMessage);
  inBuffer_ = std::make_shared<TMemoryBuffer>(config);
  outBuffer_ = std::make_shared<TMemoryBuffer>(config);
  if (protocol == Protocol::Binary) {
    input_ = std::make_shared<BinaryProtocol>(inBuffer_, 0, 0, /*strict_read=*/true, /*strict_write=*/true);
    output_ = std::make_shared<BinaryProtocol>(outBuffer_);
  } else {
    input_ = std::make_shared<CompactProtocol>(inBuffer_);
    output_ = std::make_shared<CompactProtocol>(outBuffer_);
  }
}

ThriftCodec::~ThriftCodec() = default;

void ThriftCodec::setInputLimits(std::int32_t stringLimit, std::int32_t containerLimit) {
  if (protocol_ == Protocol::Binary) {
    auto& p = static_cast<BinaryProtocol&>(*input_);
    p.setStringSizeLimit(stringLimit);
    p.setContainerSizeLimit(containerLimit);
  } else {
    auto& p = static_cast<CompactProtocol&>(*input_);
    p.setStringSizeLimit(stringLimit);
    p.setContainerSizeLimit(containerLimit);
  }
}

void ThriftCodec::beginCall(std::span<const char> message) {
  const auto length = static_cast<std::int32_t>(message.size());
  // A string or container can never be longer than the message it came in.
  setInputLimits(length, std::min(length, maxContainerElements_));
  inBuffer_->resetBuffer(reinterpret_cast<std::uint8_t*>(const_cast<char*>(message.data())),
                         static_cast<std::uint32_t>(message.size()), TMemoryBuffer::OBSERVE);
  inBuffer_->updateKnownMessageSize(length);

  outBuffer_->resetBuffer();
  const std::uint8_t headerSlot[kHeaderBytes] = {};
  outBuffer_->write(headerSlot, kHeaderBytes);
}

std::optional<ThriftCodec::CallHeader> ThriftCodec::peekCall(std::span<const char> message) {
  beginCall(message);  // the limits apply to the name too: it cannot claim more than the message holds
  CallHeader header;
  apache::thrift::protocol::TMessageType type{};
  try {
    input_->readMessageBegin(header.method, type, header.sequenceId);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (type != apache::thrift::protocol::T_CALL && type != apache::thrift::protocol::T_ONEWAY) return std::nullopt;
  header.oneway = type == apache::thrift::protocol::T_ONEWAY;
  return header;
}

std::span<const char> ThriftCodec::exceptionReplyFrame(const CallHeader& call, const std::string& message, int type) {
  outBuffer_->resetBuffer();
  const std::uint8_t headerSlot[kHeaderBytes] = {};
  outBuffer_->write(headerSlot, kHeaderBytes);
  const apache::thrift::TApplicationException error(
      static_cast<apache::thrift::TApplicationException::TApplicationExceptionType>(type), message);
  output_->writeMessageBegin(call.method, apache::thrift::protocol::T_EXCEPTION, call.sequenceId);
  error.write(output_.get());
  output_->writeMessageEnd();
  return replyFrame();
}

void ThriftCodec::releaseReplyBuffer() {
  constexpr std::uint32_t kKeptReplyBytes = 64 * 1024;
  if (outBuffer_->getBufferSize() > kKeptReplyBytes) outBuffer_->resetBuffer(std::uint32_t{0});
}

std::span<const char> ThriftCodec::replyFrame() {
  std::uint8_t* data = nullptr;
  std::uint32_t size = 0;
  outBuffer_->getBuffer(&data, &size);
  if (size <= kHeaderBytes) return {};
  const std::uint32_t payload = boost::endian::native_to_big(static_cast<std::uint32_t>(size - kHeaderBytes));
  std::memcpy(data, &payload, kHeaderBytes);
  return {reinterpret_cast<const char*>(data), size};
}

std::span<const char> ThriftCodec::replyMessage() {
  const std::span<const char> frame = replyFrame();
  return frame.empty() ? frame : frame.subspan(kHeaderBytes);
}

}  // namespace vitrine
