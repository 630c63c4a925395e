// Fuzz target: the AMP box decoder and the AMP -> Thrift call -> AMP reply
// path, as AmpConnection runs it, minus the socket.
//
// Input: the bytes an AMP peer sends on one connection. They are decoded by
// AmpBoxDecoder (once whole, once in small pieces). Then each box is served
// as AmpConnection::handleBox would: a box with `_command` naming a command
// of the real resolved schema (gen/amp/vitrine_amp.json, compiled in as a Qt
// resource and read by AmpSchemaLoader) goes through AmpCallWriter, the
// resulting call message through ThriftCodec + the generated
// VitrineAsyncProcessor over FuzzHandler (which answers at once, in the way
// the box's `_ask` tag picks), and the reply through
// AmpMessageReader::replyToBox. Extra keys, ignored by the bridge (keys
// starting with `_` are no arguments), let the fuzzer reach the other
// translations with bytes of its own:
//   `_reply`  (a BigString): fed to replyToBox for the box's command, as if
//             the processor had written it;
//   `_event`  (a BigString): fed to boxFromCall for the VitrineEvents
//             `event` callback, as if the generated client had written it.
// Every value of every box also goes through the value codecs (Integer,
// Float, Boolean, Unicode, ListOf, AmpList), with round-trip checks.
//
// Checked, beyond the sanitizers: splitting the input anywhere decodes the
// same boxes and status; decoded boxes re-encode to exactly the input bytes;
// a request AmpCallWriter accepts is read by the generated processor, which
// answers it; boxFromCall inverts AmpCallWriter (box -> call -> box -> call ->
// box reaches a fixed point after one round); every answer and error is a
// box the wire can carry (encodeBox does not throw; AmpConnection would log
// a critical error).
#include <QCoreApplication>
#include <QFile>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "amp/amp_box.h"
#include "amp/amp_call_writer.h"
#include "amp/amp_message_reader.h"
#include "amp/amp_schema.h"
#include "amp/amp_schema_loader.h"
#include "fuzz_support.h"
#include "net/request_limits.h"
#include "net/thrift_codec.h"

namespace {

using vitrine::AmpBox;
using vitrine::AmpBoxDecoder;
using vitrine::AmpCallWriter;
using vitrine::AmpCommand;
using vitrine::AmpMessageReader;
using vitrine::AmpReply;
using vitrine::AmpSchema;
using vitrine::AmpSchemaLoader;
using vitrine::ThriftCodec;
using vitrine::fuzz::FuzzHandler;

struct Shared {
  std::shared_ptr<const AmpSchema> schema;
  const AmpCommand* eventCommand = nullptr;
  std::shared_ptr<FuzzHandler> handler = std::make_shared<FuzzHandler>();
  std::shared_ptr<vitrine::api::VitrineAsyncProcessor> processor =
      std::make_shared<vitrine::api::VitrineAsyncProcessor>(handler);
  std::shared_ptr<ThriftCodec> codec;
  std::int32_t nextSequenceId = 0;
};

Shared* shared = nullptr;

// What one connection allows; small, so the fuzzer reaches the limits.
constexpr vitrine::AmpBoxLimits kBoxLimits{.maxBoxBytes = 1u << 16, .maxKeysPerBox = 256};

/// The wire bytes of `boxes`; every decoded box must be encodable.
std::string encodeAll(const std::vector<AmpBox>& boxes) {
  std::string out;
  for (const AmpBox& box : boxes) {
    VITRINE_FUZZ_CHECK(!box.empty());
    out += vitrine::encodeBox(box);
  }
  return out;
}

bool sameBoxes(const std::vector<AmpBox>& a, const std::vector<AmpBox>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].entries() != b[i].entries()) return false;
  }
  return true;
}

/// The box AmpConnection would send; encodeBox throwing is a translation bug.
void checkSendable(const AmpBox& box) {
  try {
    (void)vitrine::encodeBox(box);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "unsendable box: %s\n", e.what());
    VITRINE_FUZZ_CHECK(!"an answer the wire can carry");
  }
}

void checkReply(const AmpReply& reply) {
  if (reply.ok) {
    VITRINE_FUZZ_CHECK(!reply.answer.contains("_answer") && !reply.answer.contains("_error"));
    AmpBox answer = reply.answer;
    answer.set("_answer", "1");
    checkSendable(answer);
  } else {
    VITRINE_FUZZ_CHECK(!reply.errorCode.empty());
    AmpBox error;
    error.set("_error", "1");
    error.set("_error_code", reply.errorCode);
    error.set("_error_description", reply.errorDescription.substr(0, 4096));  // AmpConnection's clip
    checkSendable(error);
  }
}

/// The value codecs on one value, with round trips through their encoders.
void exerciseCodecs(const std::string& value) {
  std::string error;
  if (const auto n = vitrine::decodeInteger(value, &error)) {
    VITRINE_FUZZ_CHECK(vitrine::decodeInteger(vitrine::encodeInteger(*n)) == *n);
  } else {
    VITRINE_FUZZ_CHECK(!error.empty());
  }
  error.clear();
  if (const auto d = vitrine::decodeFloat(value, &error)) {
    const auto again = vitrine::decodeFloat(vitrine::encodeFloat(*d));
    VITRINE_FUZZ_CHECK(again.has_value());
    VITRINE_FUZZ_CHECK(std::isnan(*d) ? std::isnan(*again) : std::memcmp(&*d, &*again, sizeof(double)) == 0);
  } else {
    VITRINE_FUZZ_CHECK(!error.empty());
  }
  if (const auto b = vitrine::decodeBoolean(value)) VITRINE_FUZZ_CHECK(vitrine::encodeBoolean(*b) == value);
  if (const auto text = vitrine::decodeUnicode(value)) {
    VITRINE_FUZZ_CHECK(*text == value && vitrine::isValidUtf8(value));
  } else {
    VITRINE_FUZZ_CHECK(!vitrine::isValidUtf8(value));
  }
  error.clear();
  if (const auto items = vitrine::decodeListOf(value, &error)) {
    const auto again = vitrine::encodeListOf(*items);
    VITRINE_FUZZ_CHECK(again && *again == value);
  } else {
    VITRINE_FUZZ_CHECK(!error.empty());
  }
  error.clear();
  if (const auto rows = vitrine::decodeAmpList(value, &error)) {
    const auto again = vitrine::encodeAmpList(*rows);
    VITRINE_FUZZ_CHECK(again && *again == value);
  } else {
    VITRINE_FUZZ_CHECK(!error.empty());
  }
}

/// boxFromCall is AmpCallWriter's inverse: the box it makes of a translated
/// call is the request normalised (Integers without spaces, floats in
/// Python's repr...), which translates again, and back to the same box.
void checkInverse(const AmpCommand& command, const std::string& call) {
  AmpBox normalised;
  try {
    normalised = AmpMessageReader::boxFromCall(command, call);
  } catch (const std::runtime_error& e) {
    // Allowed: a list whose normalised elements no longer fit one value
    // (a ListOf of Floats written "1e5" and read back as "100000.0").
    if (std::string_view(e.what()).find("65535 bytes") != std::string_view::npos) return;
    std::fprintf(stderr, "boxFromCall cannot read AmpCallWriter's %s call: %s\n", command.name.c_str(), e.what());
    VITRINE_FUZZ_CHECK(!"boxFromCall reads what AmpCallWriter writes");
  }
  checkSendable(normalised);
  std::string error;
  const std::optional<std::string> again = AmpCallWriter::callMessage(command, normalised, 1, &error);
  if (!again) std::fprintf(stderr, "the normalised %s box does not translate: %s\n", command.name.c_str(), error.c_str());
  VITRINE_FUZZ_CHECK(again.has_value());
  VITRINE_FUZZ_CHECK(AmpMessageReader::boxFromCall(command, *again) == normalised);
}

/// Serves one request box through the processor, as AmpConnection::serveCommand does.
void serveCommand(const AmpCommand& command, const AmpBox& box) {
  // The ask tag picks how the handler answers (no tag: defaults).
  std::uint32_t selector = 0;
  if (const std::string* ask = box.find("_ask")) {
    for (const char c : *ask) selector += static_cast<unsigned char>(c);
  }
  shared->handler->outcome = vitrine::fuzz::outcomeFrom(selector);

  std::string error;
  const std::optional<std::string> call = AmpCallWriter::callMessage(command, box, ++shared->nextSequenceId, &error);
  if (!call) {
    VITRINE_FUZZ_CHECK(!error.empty());  // the INVALID_ARGUMENT description
    return;
  }
  checkInverse(command, *call);

  ThriftCodec& codec = *shared->codec;
  codec.beginCall(*call);
  int completions = 0;
  bool completedOk = false;
  try {
    shared->processor->process(
        [&](bool ok) {
          ++completions;
          completedOk = ok;
        },
        codec.input(), codec.output());
  } catch (const std::exception& e) {
    // Our own translation could not be read: AmpConnection answers "Unknown Error" and logs a bug.
    std::fprintf(stderr, "the processor cannot read the translation of %s: %s\n", command.name.c_str(), e.what());
    VITRINE_FUZZ_CHECK(!"AmpCallWriter writes what the processor reads");
  }
  VITRINE_FUZZ_CHECK(completions == 1);
  if (!completedOk) std::fprintf(stderr, "the processor rejected the translation of %s\n", command.name.c_str());
  VITRINE_FUZZ_CHECK(completedOk);
  const std::span<const char> frame = codec.replyFrame();
  VITRINE_FUZZ_CHECK(frame.size() > 4);
  const AmpReply reply = AmpMessageReader::replyToBox(command, {frame.data() + 4, frame.size() - 4});
  checkReply(reply);
  // FuzzHandler's defaults and filled values are all things AMP can carry; a
  // declared exception comes back with its code.
  if (shared->handler->outcome == vitrine::fuzz::Outcome::Default) VITRINE_FUZZ_CHECK(reply.ok);
}

void handleBox(const AmpBox& box) {
  for (const auto& [key, value] : box) {
    (void)vitrine::readBigString(box, key);
    exerciseCodecs(value);
  }
  // Twisted's dispatch order: answers and errors are for events vitrine pushed; no schema work.
  if (box.contains("_answer") || box.contains("_error")) return;
  const std::string* name = box.find("_command");
  if (!name) return;  // AmpConnection drops the connection
  const AmpCommand* command = shared->schema->find(*name);
  if (!command) return;  // UNHANDLED
  serveCommand(*command, box);

  if (const auto reply = vitrine::readBigString(box, "_reply")) checkReply(AmpMessageReader::replyToBox(*command, *reply));
  if (const auto call = vitrine::readBigString(box, "_event")) {
    try {
      checkSendable(AmpMessageReader::boxFromCall(*shared->eventCommand, *call));
    } catch (const std::runtime_error&) {
      // Documented: a message that is not a readable call of `event` (our own bytes in the server).
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  static QCoreApplication app(*argc, *argv);
  QFile file(QStringLiteral(":/vitrine/amp/vitrine_amp.json"));
  if (!file.open(QIODevice::ReadOnly)) {
    std::fprintf(stderr, "fuzz_amp: the resource :/vitrine/amp/vitrine_amp.json is missing\n");
    std::abort();
  }
  const QByteArray json = file.readAll();
  shared = new Shared;  // process-wide, never destroyed
  shared->schema = AmpSchemaLoader::load(std::string_view(json.constData(), static_cast<std::size_t>(json.size())));
  shared->eventCommand = shared->schema->findCallback("event");
  VITRINE_FUZZ_CHECK(shared->eventCommand != nullptr);
  // As AmpConnection::takeCodec sizes it: the largest box plus Thrift framing.
  vitrine::RequestLimits codecLimits;
  codecLimits.maxFrameBytes = static_cast<std::uint32_t>(kBoxLimits.maxBoxBytes + (1u << 20));
  shared->codec = std::make_shared<ThriftCodec>(ThriftCodec::Protocol::Binary, codecLimits);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const char> input(reinterpret_cast<const char*>(data), size);

  std::vector<AmpBox> boxes;
  AmpBoxDecoder decoder(kBoxLimits);
  const AmpBoxDecoder::Status status = decoder.feed(input, boxes);
  VITRINE_FUZZ_CHECK(decoder.status() == status);
  VITRINE_FUZZ_CHECK(!AmpBoxDecoder::describe(status).empty());

  // The same bytes in pieces of 1..7 bytes (chosen by the size) decode the same.
  const std::size_t piece = size % 7 + 1;
  std::vector<AmpBox> pieced;
  AmpBoxDecoder piecewise(kBoxLimits);
  AmpBoxDecoder::Status piecedStatus = AmpBoxDecoder::Status::Ok;
  for (std::size_t offset = 0; offset < size && piecedStatus == AmpBoxDecoder::Status::Ok; offset += piece) {
    piecedStatus = piecewise.feed(input.subspan(offset, std::min(piece, size - offset)), pieced);
  }
  VITRINE_FUZZ_CHECK(piecedStatus == status);
  VITRINE_FUZZ_CHECK(sameBoxes(boxes, pieced));
  if (status == AmpBoxDecoder::Status::Ok) VITRINE_FUZZ_CHECK(piecewise.bufferedBytes() == decoder.bufferedBytes());

  // The decoded boxes are exactly the bytes they came from.
  const std::string encoded = encodeAll(boxes);
  VITRINE_FUZZ_CHECK(encoded.size() <= size && std::memcmp(encoded.data(), data, encoded.size()) == 0);
  if (status == AmpBoxDecoder::Status::Ok) VITRINE_FUZZ_CHECK(encoded.size() + decoder.bufferedBytes() == size);

  // As a connection reads: an oversized box is skipped to its end (to be
  // answered), keeping nothing of it but a short tag. Up to that box the
  // same boxes come out; the tag, when there is one, is short.
  std::vector<AmpBox> skipped;
  AmpBoxDecoder skipping(kBoxLimits, AmpBoxDecoder::EmptyBoxes::Reject, AmpBoxDecoder::OversizedBoxes::SkipThenFail);
  AmpBoxDecoder::Status skipStatus = AmpBoxDecoder::Status::Ok;
  for (std::size_t offset = 0; offset < size && skipStatus == AmpBoxDecoder::Status::Ok; offset += piece) {
    skipStatus = skipping.feed(input.subspan(offset, std::min(piece, size - offset)), skipped);
  }
  VITRINE_FUZZ_CHECK(sameBoxes(boxes, skipped));
  if (status == AmpBoxDecoder::Status::Ok) VITRINE_FUZZ_CHECK(skipStatus == AmpBoxDecoder::Status::Ok);
  if (const auto& tag = skipping.refusedAsk()) VITRINE_FUZZ_CHECK(tag->size() <= vitrine::kAmpMaxKeyBytes);

  for (const AmpBox& box : boxes) handleBox(box);
  return 0;
}
