// Inputs the fuzz targets (tests/fuzz) once crashed on, run through the same
// public functions as the target that found them, asserting the clean
// outcome: an error the caller can report, never a crash or a huge
// allocation. The inputs live in tests/fuzz/regressions/TARGET/ (scripts/fuzz.sh
// also replays them through the fuzz targets); tests/fuzz/README.md says how
// to add one.
#include <gtest/gtest.h>
#include <thrift/protocol/TProtocol.h>  // TProtocolException (its own header is not self-contained)

#include <QFile>
#include <QString>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "amp/amp_box.h"
#include "amp/amp_message_reader.h"
#include "amp/amp_schema.h"
#include "amp/amp_schema_loader.h"
#include "rpc/frame_decoder.h"
#include "net/request_limits.h"
#include "net/thrift_codec.h"
#include "service/picture_decoder.h"
#include "vitrine/api/Vitrine.h"

namespace vitrine {
namespace {

using apache::thrift::protocol::TProtocolException;

std::string regression(const std::string& target, const std::string& name) {
  const std::string path = std::string(VITRINE_FUZZ_REGRESSIONS) + "/" + target + "/" + name;
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("missing regression input " + path);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

/// The frames of a Thrift byte stream, as RpcConnection's decoder cuts them.
std::vector<std::vector<char>> frames(const std::string& bytes, const RequestLimits& limits) {
  FrameDecoder decoder(limits.maxFrameBytes);
  std::vector<std::vector<char>> out;
  EXPECT_EQ(decoder.feed(bytes, out), FrameDecoder::Status::Ok);
  return out;
}

/// What RpcConnection::dispatchQueued does with one frame.
struct Served {
  bool threw = false;
  std::string exception;
  int completions = 0;
  bool ok = false;
};

Served serve(const std::vector<char>& frame, const RequestLimits& limits) {
  const auto protocol = ThriftCodec::detect(frame);
  if (!protocol) throw std::runtime_error("not a Thrift frame");
  ThriftCodec codec(*protocol, limits);
  auto processor = std::make_shared<api::VitrineAsyncProcessor>(std::make_shared<api::VitrineCobSvNull>());
  codec.beginCall(frame);
  Served served;
  try {
    processor->process(
        [&served](bool ok) {
          ++served.completions;
          served.ok = ok;
        },
        codec.input(), codec.output());
  } catch (const TProtocolException& e) {
    served.threw = true;
    served.exception = e.what();
    EXPECT_EQ(e.getType(), TProtocolException::SIZE_LIMIT) << e.what();
  }
  return served;
}

TEST(FuzzRegressions, ThriftMethodNameClaimingTwoGigabytesIsRefusedBeforeAllocation) {
  // fuzz_thrift: a 39-byte frame whose method name claims 1970300001 bytes.
  // The target's own header peek lacked ThriftCodec's string limit and ran out
  // of memory; the server's path must refuse it as a size-limit error.
  const RequestLimits limits;
  const auto cut = frames(regression("thrift", "method_name_claims_2gb"), limits);
  ASSERT_EQ(cut.size(), 1u);
  const Served served = serve(cut[0], limits);
  EXPECT_TRUE(served.threw) << "the processor accepted a 2 GB method name in 39 bytes";
  EXPECT_EQ(served.completions, 0);
}

TEST(FuzzRegressions, ThriftFieldOfAnUnknownWireTypeIsRejected) {
  // fuzz_thrift (UBSan, invalid enum load in Thrift's readFieldBegin): a
  // chooseFile call whose field has wire type 40. The generated reader cannot
  // skip it: the call is rejected (RpcConnection drops the connection).
  const RequestLimits limits;
  const auto cut = frames(regression("thrift", "chooseFile_field_of_wire_type_40"), limits);
  ASSERT_EQ(cut.size(), 1u);
  const Served served = serve(cut[0], limits);
  EXPECT_FALSE(served.threw) << served.exception;
  EXPECT_EQ(served.completions, 1);
  EXPECT_FALSE(served.ok);
}

std::shared_ptr<const AmpSchema> schema() {
  static const std::shared_ptr<const AmpSchema> loaded = [] {
    QFile file(QStringLiteral(":/vitrine/amp/vitrine_amp.json"));
    if (!file.open(QIODevice::ReadOnly)) throw std::runtime_error("the schema resource is missing");
    const QByteArray json = file.readAll();
    return AmpSchemaLoader::load(std::string_view(json.constData(), static_cast<std::size_t>(json.size())));
  }();
  return loaded;
}

TEST(FuzzRegressions, AmpReplyWithAFieldOfAnUnknownWireTypeIsAnUnknownError) {
  // fuzz_amp (UBSan, invalid enum load in Thrift's readFieldBegin under
  // replyToBox): a showPicture reply whose result field has wire type 105.
  std::vector<AmpBox> boxes;
  AmpBoxDecoder decoder;
  ASSERT_EQ(decoder.feed(regression("amp", "reply_field_of_wire_type_105"), boxes), AmpBoxDecoder::Status::Ok);
  ASSERT_EQ(boxes.size(), 1u);
  const AmpCommand* command = schema()->find(*boxes[0].find("_command"));
  ASSERT_NE(command, nullptr);
  const std::string* reply = boxes[0].find("_reply");
  ASSERT_NE(reply, nullptr);
  const AmpReply answer = AmpMessageReader::replyToBox(*command, *reply);
  EXPECT_FALSE(answer.ok);
  EXPECT_EQ(answer.errorCode, "UNKNOWN");
  EXPECT_NE(answer.errorDescription.find("cannot be read"), std::string::npos) << answer.errorDescription;
}

TEST(FuzzRegressions, PictureOfPixelFormatEightIsInvalid) {
  // fuzz_picture (UBSan, invalid enum load in decodePicture's switch): mode 8,
  // 0 x 1, four bytes. The generated Thrift reader stores any i32 in
  // api::PixelFormat::type, so decodePicture must answer it, not assume 0..4.
  const std::string input = regression("picture", "unknown_mode_8");
  ASSERT_EQ(input.size(), 13u);
  // fuzz_picture's layout: the mode byte, width and height as big-endian int32, the data.
  const auto int32At = [&input](std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t i = at; i < at + 4; ++i) value = value << 8 | static_cast<unsigned char>(input[i]);
    return static_cast<std::int32_t>(value);
  };
  api::Picture picture;
  picture.mode = static_cast<api::PixelFormat::type>(static_cast<unsigned char>(input[0]));
  picture.width = int32At(1);
  picture.height = int32At(5);
  picture.data = input.substr(9);
  ASSERT_EQ(picture.width, 0);
  ASSERT_EQ(picture.height, 1);
  const DecodedPicture decoded = decodePicture(picture, 1 << 20);
  EXPECT_EQ(decoded.status, DecodedPicture::Status::Invalid);
  EXPECT_TRUE(decoded.image.isNull());
  EXPECT_TRUE(decoded.error.contains(QStringLiteral("unknown pixel format 8"))) << decoded.error.toStdString();
}

}  // namespace
}  // namespace vitrine
