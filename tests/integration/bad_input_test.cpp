// The bad-input battery over Thrift (issue 7): what a broken or hostile peer
// may send, table-driven. Each case is a name, the bytes sent (each string one
// write), and what the server must do about them: answer with a clear error,
// or close that connection and only that one.
//
// After every case expectServerUnharmed() checks, through connections other
// than the case's own, what a user relies on: the server still runs and
// answers a client connected before the case and one connected after it; it
// shows the same windows as before (nothing leaked) and holds as many
// connections; and its resident memory, at its peak, stayed under the
// baseline plus kMemoryHeadroom. That last bound is the point of the claims
// below (a 23-byte request claiming a 1e9-byte string, a frame of 2^31-1
// bytes, a picture of 2^31-1 x 2^31-1 pixels): a claim must be refused before
// anything is set aside for it, so peak memory, not only the memory left after
// the case, is checked (VmHWM in /proc/PID/status).
//
// The AMP half of the battery is tests/amp/test_bad_input.py.
#include <gtest/gtest.h>
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <boost/crc.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "support/eventually.h"
#include "support/process.h"
#include "support/raw_socket.h"
#include "support/shared_server_suite.h"
#include "vitrine/api/Vitrine.h"
#include "vitrine/client.h"

namespace vitrine::test {
namespace {

using apache::thrift::protocol::TMessageType;
using apache::thrift::protocol::TProtocol;
using apache::thrift::protocol::TType;
using apache::thrift::transport::TMemoryBuffer;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------- the server's limits

// The battery's server: small limits, so that "over the limit" costs little
// to send; frames large enough for the hostile requests that fit in a frame
// and cost the GUI thread seconds to minutes before the display limits
// (a 10 MB text, a million choices).
constexpr std::uint32_t kMaxFrame = 16u << 20;  // --max-frame
constexpr int kMaxWindows = 50;                 // --max-windows
constexpr std::size_t kMaxHtml = 1u << 20;      // --max-html
// The display limits the battery's server keeps at their defaults (the IDL's).
constexpr std::size_t kMaxText = 65536;     // --max-text
constexpr std::size_t kMaxLabel = 4096;     // --max-label
constexpr std::size_t kMaxListItems = 100000;  // --max-list-items
// How far the server's peak resident memory may rise above its baseline.
// Far below any claim the cases make (1e9 bytes, 2^31-1 bytes, 2^62 pixels),
// and above what the honest work of the battery costs (50 popups, frames of up
// to 10 MB, a million choices read as strings before they are refused).
// Three times that under AddressSanitizer (make sanitize sets
// VITRINE_SANITIZED): redzones and the quarantine of freed memory make the
// same work cost more, and the bound is still far below any claim.
const std::size_t kMemoryHeadroom = (64u << 20) * (std::getenv("VITRINE_SANITIZED") ? 3 : 1);
// How long a frame that has begun may take to arrive (--read-timeout): short,
// so that a case that announces more than it sends is closed quickly.
constexpr int kReadTimeoutMs = 2000;

// ---------------------------------------------------------------- writing messages

enum class Wire { Binary, Compact };
enum class Via { Unix, Tcp };

std::shared_ptr<TProtocol> protocolOver(Wire wire, std::shared_ptr<TMemoryBuffer> buffer) {
  if (wire == Wire::Binary) return std::make_shared<apache::thrift::protocol::TBinaryProtocol>(buffer);
  return std::make_shared<apache::thrift::protocol::TCompactProtocol>(buffer);
}

// Appends `bytes` as they are to what `protocol` has written: for claims that
// Thrift's own writer would never make (a length without the bytes it announces).
void raw(TProtocol& protocol, std::string_view bytes) {
  protocol.getTransport()->write(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                 static_cast<std::uint32_t>(bytes.size()));
}

// The compact protocol's unsigned varint (its lengths and sizes).
std::string varint(std::uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
  return out;
}

std::string bigEndian32(std::uint32_t value) {
  return {static_cast<char>(value >> 24), static_cast<char>(value >> 16), static_cast<char>(value >> 8),
          static_cast<char>(value)};
}

// A 4-byte big-endian length, then `message`.
std::string frameOf(std::string_view message) {
  return bigEndian32(static_cast<std::uint32_t>(message.size())) + std::string(message);
}

// A message of `method` whose body (the argument struct, or anything else) is
// written by `body`; an empty argument struct when there is none.
std::string messageOf(Wire wire, const std::string& method, const std::function<void(TProtocol&)>& body = {},
                      TMessageType type = apache::thrift::protocol::T_CALL, std::int32_t seqid = 1) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  std::shared_ptr<TProtocol> protocol = protocolOver(wire, buffer);
  protocol->writeMessageBegin(method, type, seqid);
  if (body) {
    body(*protocol);
  } else {
    protocol->writeStructBegin("args");
    protocol->writeFieldStop();
    protocol->writeStructEnd();
  }
  protocol->writeMessageEnd();
  return buffer->getBufferAsString();
}

// A whole framed call of `method` with the generated argument struct `args`.
template <class Args>
std::string callFrame(Wire wire, const std::string& method, const Args& args, std::int32_t seqid = 1) {
  return frameOf(messageOf(wire, method, [&args](TProtocol& p) { args.write(&p); },
                           apache::thrift::protocol::T_CALL, seqid));
}

std::string pingFrame(Wire wire, std::int32_t seqid = 1) {
  return frameOf(messageOf(wire, "ping", {}, apache::thrift::protocol::T_CALL, seqid));
}

// ---------------------------------------------------------------- reading replies

// A reply as the battery needs it, whatever the method: which field of the
// result struct was set (0: the result; N: the method's Nth declared
// exception), the text of every string in that exception (its message), or a
// TApplicationException and its message.
struct Reply {
  std::string method;
  std::int32_t seqid = 0;
  bool applicationError = false;
  std::int16_t resultField = -1;
  std::string text;
  std::optional<std::int64_t> integer;  // an i32 or i64 result (PushResult, a window id)

  bool isError() const { return applicationError || resultField > 0; }
};

Reply decodeReply(const std::string& payload, Wire wire) {
  auto buffer = std::make_shared<TMemoryBuffer>(reinterpret_cast<std::uint8_t*>(const_cast<char*>(payload.data())),
                                                static_cast<std::uint32_t>(payload.size()));
  std::shared_ptr<TProtocol> p = protocolOver(wire, buffer);
  Reply reply;
  TMessageType type;
  p->readMessageBegin(reply.method, type, reply.seqid);
  if (type == apache::thrift::protocol::T_EXCEPTION) {
    apache::thrift::TApplicationException error;
    error.read(p.get());
    reply.applicationError = true;
    reply.text = error.what();
    return reply;
  }
  std::string name;
  TType fieldType;
  std::int16_t id;
  p->readStructBegin(name);
  while (true) {
    p->readFieldBegin(name, fieldType, id);
    if (fieldType == apache::thrift::protocol::T_STOP) break;
    reply.resultField = id;
    if (id == 0 && fieldType == apache::thrift::protocol::T_I32) {
      std::int32_t value;
      p->readI32(value);
      reply.integer = value;
    } else if (id == 0 && fieldType == apache::thrift::protocol::T_I64) {
      std::int64_t value;
      p->readI64(value);
      reply.integer = value;
    } else if (id > 0 && fieldType == apache::thrift::protocol::T_STRUCT) {
      p->readStructBegin(name);
      while (true) {
        TType innerType;
        std::int16_t innerId;
        p->readFieldBegin(name, innerType, innerId);
        if (innerType == apache::thrift::protocol::T_STOP) break;
        if (innerType == apache::thrift::protocol::T_STRING) {
          std::string text;
          p->readString(text);
          reply.text += text;
        } else {
          p->skip(innerType);
        }
        p->readFieldEnd();
      }
      p->readStructEnd();
    } else {
      p->skip(fieldType);
    }
    p->readFieldEnd();
  }
  return reply;
}

// ---------------------------------------------------------------- the cases

// What the server must do with a case's bytes, checked on the case's own connection.
using Outcome = std::function<void(RawSocket&, Wire)>;

struct BadInputCase {
  std::string name;  // the test's name: letters, digits and '_'
  Via via;
  Wire wire;         // how the case's replies are read
  std::vector<std::string> writes;
  Outcome expected;
};

void PrintTo(const BadInputCase& c, std::ostream* out) {
  *out << c.name;
}

// The server closes the connection without a word.
Outcome closes() {
  return [](RawSocket& socket, Wire) {
    EXPECT_TRUE(socket.closedByPeer()) << "the server kept the connection open (or answered) instead of closing it";
  };
}

// The client gives up halfway (truncated frames): nothing to read back; the
// post-conditions show what it cost the server.
Outcome hangsUp() {
  return [](RawSocket&, Wire) {};
}

// The next reply on the connection, decoded; fails the test when none comes.
std::optional<Reply> nextReply(RawSocket& socket, Wire wire) {
  const std::optional<std::string> payload = socket.readFrame();
  if (!payload) {
    ADD_FAILURE() << "no reply came (the connection closed or the deadline passed)";
    return std::nullopt;
  }
  return decodeReply(*payload, wire);
}

// After an answer, the same connection still serves a call.
void expectConnectionStillServes(RawSocket& socket, Wire wire) {
  socket.send(pingFrame(wire, 99));
  const std::optional<Reply> pong = nextReply(socket, wire);
  if (!pong) return;
  EXPECT_EQ(pong->method, "ping");
  EXPECT_EQ(pong->seqid, 99);
}

// What follows an error answer on its connection.
enum class After { StillServes, Closes };

// An error answer (a declared exception or a TApplicationException) whose
// message contains each of `words`; then the connection stays usable, or
// the server closes it.
Outcome refuses(std::vector<std::string> words, After after = After::StillServes) {
  return [words = std::move(words), after](RawSocket& socket, Wire wire) {
    const std::optional<Reply> reply = nextReply(socket, wire);
    if (!reply) return;
    EXPECT_TRUE(reply->isError()) << "the call was answered as if it were fine";
    for (const std::string& word : words) {
      EXPECT_NE(reply->text.find(word), std::string::npos) << "the error '" << reply->text << "' does not say '" << word << "'";
    }
    if (after == After::StillServes) {
      expectConnectionStillServes(socket, wire);
    } else {
      EXPECT_TRUE(socket.closedByPeer()) << "the server kept the connection open after refusing the frame";
    }
  };
}

// fetchUrl's answer is a PushResult, not an exception.
Outcome answersPushResult(api::PushResult::type expected) {
  return [expected](RawSocket& socket, Wire wire) {
    const std::optional<Reply> reply = nextReply(socket, wire);
    if (!reply) return;
    EXPECT_EQ(reply->resultField, 0);
    EXPECT_EQ(reply->integer, static_cast<std::int64_t>(expected));
    expectConnectionStillServes(socket, wire);
  };
}

// An ordinary answer to `method`: the input was odd but legal.
Outcome answers(std::string method) {
  return [method = std::move(method)](RawSocket& socket, Wire wire) {
    const std::optional<Reply> reply = nextReply(socket, wire);
    if (!reply) return;
    EXPECT_EQ(reply->method, method);
    EXPECT_FALSE(reply->isError()) << reply->text;
  };
}

// Thrift's type ids as they appear on the wire.
constexpr char kBinaryStruct = 0x0c;
constexpr char kBinaryList = 0x0f;
constexpr char kCompactList = 0x09;
constexpr char kCompactStruct = 0x0c;

// `depth` lists, each the only element of the one around it, under field 1 of
// the argument struct. Thrift's recursion limit is 64; this is far past it, and
// deep enough to overflow the stack of a reader that had none.
std::string nestedListsArguments(Wire wire, int depth) {
  std::string out;
  if (wire == Wire::Binary) {
    out += std::string{kBinaryList, 0x00, 0x01};  // field 1: a list
    for (int i = 0; i < depth; ++i) out += std::string{kBinaryList} + bigEndian32(1);  // of one list, of one list...
    out += std::string{0x08} + bigEndian32(0);  // ... of no i32
  } else {
    out += static_cast<char>(0x10 | kCompactList);  // field 1 (delta 1): a list
    for (int i = 0; i < depth; ++i) out += static_cast<char>(0x10 | kCompactList);  // of 1 list...
    out += static_cast<char>(0x05);  // ... of 0 i32
  }
  return out;
}

// `depth` structs, each field 1 of the one around it.
std::string nestedStructsArguments(int depth) {
  std::string out;
  for (int i = 0; i < depth; ++i) out += std::string{kBinaryStruct, 0x00, 0x01};
  return out;
}

api::Vitrine_showPicture_args pictureArgs(std::int32_t width, std::int32_t height, api::PixelFormat::type mode,
                                          std::string data) {
  api::Vitrine_showPicture_args args;
  args.picture.width = width;
  args.picture.height = height;
  args.picture.mode = mode;
  args.picture.data = std::move(data);
  return args;
}

// A PNG that claims `width` x `height` in its header and has a few bytes of
// pixels: its size is readable, its pixels are not.
std::string pngHeaderClaiming(std::uint32_t width, std::uint32_t height) {
  const auto chunk = [](std::string_view kind, const std::string& data) {
    boost::crc_32_type crc;
    crc.process_bytes(kind.data(), kind.size());
    crc.process_bytes(data.data(), data.size());
    return bigEndian32(static_cast<std::uint32_t>(data.size())) + std::string(kind) + data + bigEndian32(crc.checksum());
  };
  const std::string ihdr = bigEndian32(width) + bigEndian32(height) + std::string{8, 2, 0, 0, 0};  // 8-bit RGB
  return "\x89PNG\r\n\x1a\n" + chunk("IHDR", ihdr) + chunk("IDAT", std::string(16, '\0')) + chunk("IEND", "");
}

// 10,000 windows asked for in one burst of say calls: the first --max-windows
// open, every other answers LimitExceeded naming the flag. Then the case closes
// its windows, so that the post-conditions see the count back where it was.
void tenThousandWindowsAreCapped(RawSocket& socket, Wire wire) {
  constexpr int kAsked = 10'000;
  std::vector<std::int64_t> opened;
  int refused = 0;
  for (int i = 1; i <= kAsked; ++i) {
    const std::optional<Reply> reply = nextReply(socket, wire);
    if (!reply) return;
    ASSERT_EQ(reply->seqid, i);
    if (reply->resultField == 0 && reply->integer) {
      opened.push_back(*reply->integer);
    } else {
      ASSERT_EQ(reply->resultField, 1) << "say answered neither a window nor LimitExceeded: " << reply->text;
      EXPECT_NE(reply->text.find("--max-windows"), std::string::npos) << reply->text;
      ++refused;
    }
  }
  EXPECT_EQ(opened.size(), static_cast<std::size_t>(kMaxWindows));
  EXPECT_EQ(refused, kAsked - kMaxWindows);
  std::string closeAll;
  for (std::size_t i = 0; i < opened.size(); ++i) {
    api::Vitrine_closeWindow_args args;
    args.windowId = opened[i];
    closeAll += callFrame(wire, "closeWindow", args, static_cast<std::int32_t>(i + 1));
  }
  socket.send(closeAll);
  for (std::size_t i = 0; i < opened.size(); ++i) {
    const std::optional<Reply> reply = nextReply(socket, wire);
    if (!reply) return;
    EXPECT_FALSE(reply->isError()) << "closing window " << opened[i] << ": " << reply->text;
  }
}

std::string tenThousandSays(Wire wire) {
  std::string burst;
  api::Vitrine_say_args args;
  args.text = "one of ten thousand";
  for (int i = 1; i <= 10'000; ++i) burst += callFrame(wire, "say", args, i);
  return burst;
}

// A say() with `count` action buttons.
api::Vitrine_say_args sayWithActions(int count) {
  api::Vitrine_say_args args;
  args.text = "Pick one";
  std::vector<api::Action> actions(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    actions[static_cast<std::size_t>(i)].key = "k" + std::to_string(i);
    actions[static_cast<std::size_t>(i)].label = "Action " + std::to_string(i);
  }
  args.options.__set_actions(std::move(actions));
  return args;
}

// An ask() of `kind` with `count` choices (empty strings: the count is what is refused).
api::Vitrine_ask_args askWithChoices(api::QuestionKind::type kind, std::size_t count) {
  api::Vitrine_ask_args args;
  args.question.prompt = "Which?";
  args.question.kind = kind;
  args.question.__set_choices(std::vector<std::string>(count));
  return args;
}

std::vector<std::string> oneByteAtATime(const std::string& bytes) {
  std::vector<std::string> writes;
  for (char byte : bytes) writes.emplace_back(1, byte);
  return writes;
}

std::vector<BadInputCase> cases() {
  using api::PixelFormat;
  constexpr Wire B = Wire::Binary;
  constexpr Wire C = Wire::Compact;
  const std::string oneBillion = bigEndian32(1'000'000'000);
  std::vector<BadInputCase> all;

  // ---- framing
  // A header alone, claiming more than --max-frame: the server reads on for
  // the frame (to answer it), which never comes: --read-timeout closes it.
  all.push_back({"FrameLengthOf2To31Minus1", Via::Tcp, B, {bigEndian32(0x7fffffff)}, closes()});
  all.push_back({"FrameOneByteOverMaxFrame", Via::Unix, B, {bigEndian32(kMaxFrame + 1)}, closes()});
  // The whole frame, over --max-frame: read without being kept, answered, closed.
  for (const auto& [name, wire, via] : {std::tuple{"FrameOverMaxFrameIsAnsweredLimitExceeded_Binary", B, Via::Unix},
                                        std::tuple{"FrameOverMaxFrameIsAnsweredLimitExceeded_Compact", C, Via::Tcp}}) {
    api::Vitrine_say_args args;
    args.text = std::string(kMaxFrame, 'x');
    all.push_back({name, via, wire, {callFrame(wire, "say", args, 7)}, refuses({"LimitExceeded", "--max-frame"}, After::Closes)});
  }
  all.push_back({"EmptyFrame", Via::Unix, B, {bigEndian32(0)}, closes()});
  all.push_back({"UnframedThrift", Via::Unix, B, {pingFrame(B).substr(4)}, closes()});
  all.push_back({"TruncatedFrameThenHangUp", Via::Tcp, B, {pingFrame(B).substr(0, 10)}, hangsUp()});
  all.push_back({"TruncatedHeaderThenHangUp", Via::Unix, B, {bigEndian32(1000).substr(0, 2)}, hangsUp()});
  all.push_back({"FrameClaimingMoreThanSentThenHangUp", Via::Unix, B,
                 {bigEndian32(kMaxFrame) + messageOf(B, "ping")}, hangsUp()});
  all.push_back({"MessageSplitIntoOneByteWrites", Via::Unix, B, oneByteAtATime(pingFrame(B, 42)), answers("ping")});

  // ---- garbage
  all.push_back({"GarbageBytes", Via::Tcp, B, {"\xde\xad\xbe\xef garbage \x01\x02\x03"}, closes()});
  all.push_back({"HttpRequestInAFrame", Via::Unix, B, {frameOf("GET / HTTP/1.1\r\n")}, closes()});
  all.push_back({"GarbageInsideAFrame", Via::Tcp, B, {frameOf(std::string(32, '\xff'))}, closes()});

  // ---- sizes claimed and never sent: refused before anything is set aside
  // 23 bytes: the binary version, then a method name claiming 1e9 bytes.
  all.push_back({"MethodNameClaims1e9Bytes_Binary", Via::Unix, B,
                 {frameOf(std::string("\x80\x01\x00\x01", 4) + oneBillion + std::string(15, 'x'))}, closes()});
  // The compact protocol's header, then a varint name length of 1e9.
  all.push_back({"MethodNameClaims1e9Bytes_Compact", Via::Tcp, C,
                 {frameOf(std::string("\x82\x21\x01", 3) + varint(1'000'000'000) + std::string(15, 'x'))}, closes()});
  all.push_back({"UrlClaims1e9Bytes_Binary", Via::Unix, B, {frameOf(messageOf(B, "fetchUrl", [&](TProtocol& p) {
                   raw(p, std::string{kBinaryStruct, 0x00, 0x01});  // PushUrl url
                   raw(p, std::string{0x0b, 0x00, 0x02} + oneBillion + "http://");  // its string url: 1e9 bytes
                 }))}, closes()});
  all.push_back({"UrlClaims1e9Bytes_Compact", Via::Unix, C, {frameOf(messageOf(C, "fetchUrl", [](TProtocol& p) {
                   p.writeStructBegin("args");
                   p.writeFieldBegin("url", apache::thrift::protocol::T_STRUCT, 1);
                   p.writeStructBegin("PushUrl");
                   p.writeFieldBegin("url", apache::thrift::protocol::T_STRING, 2);
                   raw(p, varint(1'000'000'000) + "http://");
                 }))}, closes()});
  all.push_back({"PictureDataClaims2To31Minus1Bytes", Via::Tcp, B, {frameOf(messageOf(B, "showPicture", [](TProtocol& p) {
                   p.writeStructBegin("args");
                   p.writeFieldBegin("picture", apache::thrift::protocol::T_STRUCT, 1);
                   p.writeStructBegin("Picture");
                   p.writeFieldBegin("data", apache::thrift::protocol::T_STRING, 4);
                   p.writeI32(0x7fffffff);
                 }))}, closes()});
  all.push_back({"ListClaims2To31Minus1Actions_Binary", Via::Unix, B, {frameOf(messageOf(B, "say", [](TProtocol& p) {
                   p.writeStructBegin("args");
                   p.writeFieldBegin("options", apache::thrift::protocol::T_STRUCT, 2);
                   p.writeStructBegin("SayOptions");
                   p.writeFieldBegin("actions", apache::thrift::protocol::T_LIST, 3);
                   p.writeListBegin(apache::thrift::protocol::T_STRUCT, 0x7fffffff);
                 }))}, closes()});
  all.push_back({"ListClaims2To31Minus1Choices_Compact", Via::Tcp, C, {frameOf(messageOf(C, "ask", [](TProtocol& p) {
                   p.writeStructBegin("args");
                   p.writeFieldBegin("question", apache::thrift::protocol::T_STRUCT, 1);
                   p.writeStructBegin("Question");
                   p.writeFieldBegin("choices", apache::thrift::protocol::T_LIST, 9);
                   p.writeListBegin(apache::thrift::protocol::T_STRING, 0x7fffffff);
                 }))}, closes()});

  // ---- nesting past the recursion limit
  all.push_back({"NestedListsPastTheRecursionLimit_Binary", Via::Unix, B, {frameOf(messageOf(B, "ping", [](TProtocol& p) {
                   raw(p, nestedListsArguments(Wire::Binary, 100'000));
                 }))}, closes()});
  all.push_back({"NestedListsPastTheRecursionLimit_Compact", Via::Tcp, C, {frameOf(messageOf(C, "ping", [](TProtocol& p) {
                   raw(p, nestedListsArguments(Wire::Compact, 100'000));
                 }))}, closes()});
  // An unknown method's arguments are skipped, which recurses too.
  all.push_back({"UnknownMethodWithStructsPastTheRecursionLimit", Via::Unix, B,
                 {frameOf(messageOf(B, "noSuchMethod", [](TProtocol& p) { raw(p, nestedStructsArguments(100'000)); }))},
                 closes()});

  // ---- methods and types
  all.push_back({"UnknownMethod_Binary", Via::Unix, B, {frameOf(messageOf(B, "noSuchMethod"))},
                 refuses({"Invalid method name", "noSuchMethod"})});
  all.push_back({"UnknownMethod_Compact", Via::Tcp, C, {frameOf(messageOf(C, "noSuchMethod"))},
                 refuses({"Invalid method name", "noSuchMethod"})});
  all.push_back({"ReplyInsteadOfACall", Via::Unix, B,
                 {frameOf(messageOf(B, "ping", {}, apache::thrift::protocol::T_REPLY))}, closes()});
  all.push_back({"TruncatedInsideAField", Via::Unix, B, {frameOf(messageOf(B, "fetchUrl", [](TProtocol& p) {
                   raw(p, std::string("\x0c\x00\x01\x0b\x00\x01\x00\x00\x00\x09lob", 13));  // 3 bytes of 9
                 }))}, closes()});
  // Thrift skips a field whose type is not the declared one, as if it were
  // absent; the service then refuses what is missing.
  all.push_back({"WrongArgumentType", Via::Unix, B, {frameOf(messageOf(B, "showPicture", [](TProtocol& p) {
                   p.writeStructBegin("args");
                   p.writeFieldBegin("picture", apache::thrift::protocol::T_STRING, 1);
                   p.writeString("a picture, as text");
                   p.writeFieldEnd();
                   p.writeFieldStop();
                   p.writeStructEnd();
                 }))}, refuses({"picture", "positive width and height"})});

  // ---- values the service refuses
  {
    api::Vitrine_say_args args;
    args.text = "not UTF-8: \xff\xfe\xc3";
    all.push_back({"InvalidUtf8InAString", Via::Unix, B, {callFrame(B, "say", args)}, refuses({"text", "UTF-8"})});
  }
  {
    api::Vitrine_say_args args;
    args.text = "fine";
    args.options.__set_title("bad \xc0\x80 title");  // an overlong NUL
    all.push_back({"InvalidUtf8InANestedString_Compact", Via::Tcp, C, {callFrame(C, "say", args)},
                   refuses({"title", "UTF-8"})});
  }
  {
    // chooseFile declares no InvalidArgument: the refusal is a TApplicationException, and no dialog opens.
    api::Vitrine_chooseFile_args args;
    args.chooser.__set_title("\xed\xa0\x80 a surrogate");
    all.push_back({"InvalidUtf8InAChooserTitle", Via::Unix, B, {callFrame(B, "chooseFile", args)},
                   refuses({"chooser.title", "UTF-8"})});
  }
  {
    api::DisplayManager_postHtml_args args;
    args.html.name = "latin-1 \xe9t\xe9";
    args.html.data = "<p>fine</p>";
    all.push_back({"InvalidUtf8InAPushName", Via::Tcp, B, {callFrame(B, "postHtml", args)},
                   answersPushResult(api::PushResult::INVALID_ARGUMENT)});
  }
  for (const auto& [name, url] : {std::pair{"ForbiddenUrlScheme_Javascript", "javascript:alert(1)"},
                                  std::pair{"ForbiddenUrlScheme_File", "file:///etc/passwd"}}) {
    api::DisplayManager_fetchUrl_args args;
    args.url.name = "forbidden";
    args.url.url = url;
    all.push_back({name, Via::Unix, B, {callFrame(B, "fetchUrl", args)},
                   answersPushResult(api::PushResult::INVALID_ARGUMENT)});
  }
  all.push_back({"PictureSizeOverflowing32Bits", Via::Unix, B,
                 {callFrame(B, "showPicture", pictureArgs(65536, 65536, PixelFormat::RGB, ""))},
                 refuses({"65536 x 65536", "--max-picture-pixels"})});
  all.push_back({"PictureSizeOverflowing64BitsInBytes", Via::Tcp, C,
                 {callFrame(C, "showPicture", pictureArgs(0x7fffffff, 0x7fffffff, PixelFormat::RGBA, "x"))},
                 refuses({"2147483647 x 2147483647", "--max-picture-pixels"})});
  all.push_back({"PictureDataShort", Via::Unix, B,
                 {callFrame(B, "showPicture", pictureArgs(2, 2, PixelFormat::RGB, std::string(11, '\x7f')))},
                 refuses({"needs 12 bytes", "got 11"})});
  all.push_back({"PngHeaderClaimingAHugeSize", Via::Unix, B,
                 {callFrame(B, "showPicture", pictureArgs(0, 0, PixelFormat::PNG, pngHeaderClaiming(100'000, 100'000)))},
                 refuses({"100000 x 100000", "--max-picture-pixels"})});
  all.push_back({"TenThousandWindowsAgainstMaxWindows", Via::Tcp, B, {tenThousandSays(B)}, tenThousandWindowsAreCapped});

  // ---- what windows would lay out on the GUI thread: refused by size before
  // anything is built (a popup of 2,000 buttons held the server 11 s, a
  // million choices 150 s, a 10 MB text 30 s); nothing opens
  all.push_back({"SayWithTwoThousandActions", Via::Unix, B, {callFrame(B, "say", sayWithActions(2000))},
                 refuses({"options.actions", "2000", "--max-actions", "16"})});
  all.push_back({"SayAndWaitWithSeventeenActions_Compact", Via::Tcp, C,
                 {callFrame(C, "sayAndWait", sayWithActions(17))}, refuses({"options.actions", "--max-actions"})});
  all.push_back({"AskChoiceWithAMillionChoices_Compact", Via::Tcp, C,
                 {callFrame(C, "ask", askWithChoices(api::QuestionKind::CHOICE, 1'000'000))},
                 refuses({"question.choices", "1000000", "--max-list-items", std::to_string(kMaxListItems)})});
  all.push_back({"AskMultiChoiceWithAMillionChoices", Via::Unix, B,
                 {callFrame(B, "ask", askWithChoices(api::QuestionKind::MULTI_CHOICE, 1'000'000))},
                 refuses({"question.choices", "--max-list-items"})});
  {
    api::Vitrine_say_args args;
    args.text = std::string(10'000'000, 'x');
    all.push_back({"SayWithTenMegabytesOfText", Via::Unix, B, {callFrame(B, "say", args)},
                   refuses({"text", "10000000 bytes", "--max-text", std::to_string(kMaxText)})});
  }
  {
    api::Vitrine_say_args args;
    args.text = "fine";
    args.options.__set_title(std::string(kMaxLabel + 1, 't'));
    all.push_back({"SayWithATitleOverMaxLabel", Via::Tcp, B, {callFrame(B, "say", args)},
                   refuses({"options.title", "--max-label", std::to_string(kMaxLabel)})});
  }
  {
    api::Vitrine_ask_args args = askWithChoices(api::QuestionKind::CHOICE, 5);
    args.question.choices[3] = std::string(kMaxLabel + 1, 'c');
    all.push_back({"AskWithAChoiceOverMaxLabel", Via::Unix, C, {callFrame(C, "ask", args)},
                   refuses({"question.choices[3]", "--max-label"})});
  }
  {
    api::Vitrine_ask_args args;
    args.question.prompt = std::string(kMaxText + 1, 'p');
    all.push_back({"AskWithAPromptOverMaxText", Via::Unix, B, {callFrame(B, "ask", args)},
                   refuses({"question.prompt", "--max-text"})});
  }
  {
    // chooseFile declares LimitExceeded: the same refusal as the others.
    api::Vitrine_chooseFile_args args;
    args.chooser.__set_nameFilters(std::vector<std::string>(kMaxListItems + 1, "*"));
    all.push_back({"ChooseFileWithTooManyNameFilters", Via::Unix, B, {callFrame(B, "chooseFile", args)},
                   refuses({"chooser.nameFilters", "--max-list-items"})});
  }
  {
    api::Vitrine_showPicture_args args = pictureArgs(1, 1, PixelFormat::L, std::string(1, '\0'));
    args.options.__set_name(std::string(kMaxLabel + 1, 'n'));
    all.push_back({"ShowPictureWithANameOverMaxLabel", Via::Tcp, C, {callFrame(C, "showPicture", args)},
                   refuses({"options.name", "--max-label"})});
  }
  {
    // postHtml and fetchUrl declare no exceptions: INVALID_ARGUMENT, and the server logs why.
    api::DisplayManager_postHtml_args args;
    args.html.name = "too large";
    args.html.data = "<p>" + std::string(kMaxHtml, 'h');
    all.push_back({"PostHtmlOverMaxHtml", Via::Unix, B, {callFrame(B, "postHtml", args)},
                   answersPushResult(api::PushResult::INVALID_ARGUMENT)});
  }
  {
    api::DisplayManager_fetchUrl_args args;
    args.url.name = "too long";
    args.url.url = "https://example.org/?" + std::string(2u << 20, 'q');
    all.push_back({"FetchUrlOverTwoMebibytes", Via::Tcp, C, {callFrame(C, "fetchUrl", args)},
                   answersPushResult(api::PushResult::INVALID_ARGUMENT)});
  }
  return all;
}

// ---------------------------------------------------------------- the battery

class BadInput : public SharedServerSuite<BadInput>, public ::testing::WithParamInterface<BadInputCase> {
 public:
  static std::vector<std::string> serverArgs() {
    return {"--max-frame", std::to_string(kMaxFrame), "--max-windows", std::to_string(kMaxWindows), "--max-html",
            std::to_string(kMaxHtml), "--read-timeout", std::to_string(kReadTimeoutMs)};
  }

  static void SetUpTestSuite() {
    SharedServerSuite::SetUpTestSuite();
    observer_ = std::make_unique<Client>(server_->unixEndpoint(), ClientOptions{.callTimeout = std::chrono::seconds(30)});
    // Pay once for what the first windows cost (styles, fonts, backing
    // stores), so that the baseline is the server at work, not at rest.
    const std::int64_t popup = observer_->say("warming up");
    const std::int64_t picture =
        observer_->showPicture(pictureArgs(64, 64, api::PixelFormat::RGB, std::string(64 * 64 * 3, '\x40')).picture);
    observer_->closeWindow(popup);
    observer_->closeWindow(picture);
    ASSERT_TRUE(eventually([] { return observer_->listWindows().size() == 1; }));
    baselineBytes_ = std::max(statusBytes(server_->pid(), "VmHWM"), statusBytes(server_->pid(), "VmRSS"));
    ASSERT_GT(baselineBytes_, 0u) << "no VmHWM/VmRSS in /proc/" << server_->pid() << "/status";
  }

  static void TearDownTestSuite() {
    if (server_ && server_->running()) {
      // The figure a reader of the log wants: how close the battery came to its bound.
      std::printf("bad-input battery: server memory baseline %zu MiB, peak %zu MiB, bound %zu MiB\n",
                  baselineBytes_ >> 20, statusBytes(server_->pid(), "VmHWM") >> 20,
                  (baselineBytes_ + kMemoryHeadroom) >> 20);
    }
    observer_.reset();
    SharedServerSuite::TearDownTestSuite();
  }

 protected:
  struct Snapshot {
    std::set<std::int64_t> windows;
    std::int32_t connections = 0;
  };

  static Snapshot snapshot() {
    Snapshot now;
    for (const api::WindowInfo& window : observer_->listWindows()) now.windows.insert(window.id);
    now.connections = observer_->serverInfo().connections;
    return now;
  }

  static const Endpoint& endpointFor(Via via) {
    return via == Via::Unix ? server_->unixEndpoint() : server_->tcpEndpoint();
  }

  // What every case must leave behind (see the top of this file), checked
  // once the case's connection is gone: the server runs; a client connected
  // before the case (the observer) and a new one over the other transport are
  // answered; the windows and the connection count are back to `before`
  // (polled: a dropped connection goes from the event loop); the peak and
  // current resident memory are under the baseline plus kMemoryHeadroom.
  static void expectServerUnharmed(const Snapshot& before, Via caseVia) {
    ASSERT_TRUE(server_->running()) << "the server died";
    {
      Client newcomer(endpointFor(caseVia == Via::Unix ? Via::Tcp : Via::Unix),
                      ClientOptions{.callTimeout = std::chrono::seconds(30)});
      EXPECT_NO_THROW(newcomer.ping()) << "a new client is not answered";
    }
    EXPECT_NO_THROW(observer_->ping()) << "a client connected before the case is not answered";
    Snapshot after;
    const bool settled = eventually([&] {
      after = snapshot();
      return after.windows == before.windows && after.connections == before.connections;
    });
    EXPECT_TRUE(settled) << "windows: " << before.windows.size() << " before, " << after.windows.size()
                         << " after; connections: " << before.connections << " before, " << after.connections
                         << " after";
    const std::size_t bound = baselineBytes_ + kMemoryHeadroom;
    const std::size_t peak = statusBytes(server_->pid(), "VmHWM");
    const std::size_t resident = statusBytes(server_->pid(), "VmRSS");
    EXPECT_LE(peak, bound) << "peak resident memory " << (peak >> 20) << " MiB over the bound of " << (bound >> 20)
                           << " MiB (baseline " << (baselineBytes_ >> 20) << " MiB)";
    EXPECT_LE(resident, bound) << "resident memory " << (resident >> 20) << " MiB over the bound of " << (bound >> 20)
                               << " MiB";
  }

  static inline std::unique_ptr<Client> observer_;
  static inline std::size_t baselineBytes_ = 0;
};

TEST_P(BadInput, CostsNothingButItsOwnConnection) {
  const BadInputCase& c = GetParam();
  const Snapshot before = snapshot();
  {
    RawSocket socket(endpointFor(c.via));
    for (const std::string& bytes : c.writes) socket.send(bytes);
    c.expected(socket, c.wire);
  }  // the case's connection closes here, if the server has not closed it
  expectServerUnharmed(before, c.via);
}

INSTANTIATE_TEST_SUITE_P(Thrift, BadInput, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<BadInputCase>& test) { return test.param.name; });

}  // namespace
}  // namespace vitrine::test
