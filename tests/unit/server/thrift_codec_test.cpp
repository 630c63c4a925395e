#include "net/thrift_codec.h"

#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "net/request_limits.h"
#include "vitrine/api/Vitrine.h"

namespace vitrine {
namespace {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::protocol::TCompactProtocol;
using apache::thrift::protocol::TProtocol;
using apache::thrift::protocol::TProtocolException;
using apache::thrift::transport::TMemoryBuffer;

template <class Protocol, class Write>
std::string encode(Write write) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  Protocol protocol(buffer);
  write(protocol);
  return buffer->getBufferAsString();
}

std::string fetchUrlCall(const std::string& url) {
  return encode<TBinaryProtocol>([&](TProtocol& p) {
    api::DisplayManager_fetchUrl_pargs args;
    api::PushUrl push;
    push.name = "lobby";
    push.url = url;
    args.url = &push;
    p.writeMessageBegin("fetchUrl", apache::thrift::protocol::T_CALL, 7);
    args.write(&p);
    p.writeMessageEnd();
  });
}

TEST(ThriftCodec, DetectsBinaryAndCompactFromTheFirstByte) {
  const std::string binary = fetchUrlCall("http://x/");
  EXPECT_EQ(ThriftCodec::detect(binary), ThriftCodec::Protocol::Binary);
  const std::string compact = encode<TCompactProtocol>(
      [](TProtocol& p) { p.writeMessageBegin("ping", apache::thrift::protocol::T_CALL, 1); });
  EXPECT_EQ(ThriftCodec::detect(compact), ThriftCodec::Protocol::Compact);
  EXPECT_EQ(ThriftCodec::detect(std::string("GET / HTTP/1.1")), std::nullopt);
  EXPECT_EQ(ThriftCodec::detect(std::string()), std::nullopt);
}

TEST(ThriftCodec, ReadsAWellFormedCall) {
  ThriftCodec codec(ThriftCodec::Protocol::Binary, RequestLimits{});
  const std::string call = fetchUrlCall("http://127.0.0.1/");
  codec.beginCall(call);
  std::string name;
  apache::thrift::protocol::TMessageType type;
  int32_t seqid = 0;
  codec.input()->readMessageBegin(name, type, seqid);
  api::DisplayManager_fetchUrl_args args;
  args.read(codec.input().get());
  EXPECT_EQ(name, "fetchUrl");
  EXPECT_EQ(seqid, 7);
  EXPECT_EQ(args.url.url, "http://127.0.0.1/");
}

TEST(ThriftCodec, StringClaimLargerThanTheFrameIsRefusedBeforeAllocation) {
  // 23 bytes that claim a 1e9-byte string: stock Thrift 0.17 would resize a
  // std::string to 1 GB before noticing the bytes are not there.
  const std::string call = encode<TBinaryProtocol>([](TProtocol& p) {
    p.writeI32(static_cast<int32_t>(0x80010001));
    p.writeI32(1000000000);  // method name length
  }) + "abcdefghijklmno";
  ASSERT_EQ(call.size(), 23u);
  ThriftCodec codec(ThriftCodec::Protocol::Binary, RequestLimits{});
  codec.beginCall(call);
  std::string name;
  apache::thrift::protocol::TMessageType type;
  int32_t seqid = 0;
  try {
    codec.input()->readMessageBegin(name, type, seqid);
    FAIL() << "a 1e9-byte string claim in 23 bytes was accepted";
  } catch (const TProtocolException& e) {
    EXPECT_EQ(e.getType(), TProtocolException::SIZE_LIMIT);
  }
  EXPECT_LT(name.capacity(), 1000u);
}

TEST(ThriftCodec, ContainerClaimLargerThanTheFrameIsRefused) {
  const std::string bytes = encode<TBinaryProtocol>([](TProtocol& p) {
    p.writeListBegin(apache::thrift::protocol::T_STRING, 50000000);
  });
  ThriftCodec codec(ThriftCodec::Protocol::Binary, RequestLimits{});
  codec.beginCall(bytes);
  apache::thrift::protocol::TType element;
  uint32_t size = 0;
  EXPECT_THROW(codec.input()->readListBegin(element, size), TProtocolException);
}

TEST(ThriftCodec, ReplyFrameCarriesItsLengthHeader) {
  ThriftCodec codec(ThriftCodec::Protocol::Binary, RequestLimits{});
  const std::string call = fetchUrlCall("http://x/");
  codec.beginCall(call);
  EXPECT_TRUE(codec.replyFrame().empty());  // nothing written yet: no frame
  codec.output()->writeMessageBegin("ping", apache::thrift::protocol::T_REPLY, 3);
  codec.output()->writeMessageEnd();
  const std::span<const char> frame = codec.replyFrame();
  ASSERT_GT(frame.size(), 4u);
  const auto length = (static_cast<uint32_t>(static_cast<unsigned char>(frame[0])) << 24) |
                      (static_cast<uint32_t>(static_cast<unsigned char>(frame[1])) << 16) |
                      (static_cast<uint32_t>(static_cast<unsigned char>(frame[2])) << 8) |
                      static_cast<uint32_t>(static_cast<unsigned char>(frame[3]));
  EXPECT_EQ(length, frame.size() - 4);
  EXPECT_EQ(static_cast<unsigned char>(frame[4]), 0x80);
}

TEST(ThriftCodec, ManyCallsOnOneCodecDoNotExhaustThriftsMessageBudget) {
  // Thrift counts bytes read against a 100 MB budget per transport; each
  // frame must start with a fresh budget or a long-lived connection dies.
  RequestLimits limits;
  limits.maxFrameBytes = 1 << 20;
  ThriftCodec codec(ThriftCodec::Protocol::Binary, limits);
  const std::string call = fetchUrlCall("http://127.0.0.1/" + std::string(500000, 'a'));
  for (int i = 0; i < 300; ++i) {  // 150 MB in all
    codec.beginCall(call);
    std::string name;
    apache::thrift::protocol::TMessageType type;
    int32_t seqid = 0;
    codec.input()->readMessageBegin(name, type, seqid);
    api::DisplayManager_fetchUrl_args args;
    ASSERT_NO_THROW(args.read(codec.input().get())) << "call " << i;
    codec.input()->readMessageEnd();
    codec.input()->getTransport()->readEnd();
  }
}

}  // namespace
}  // namespace vitrine
