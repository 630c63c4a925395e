#include "amp/amp_box.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace vitrine {

// Readable failure messages: {"key": "value", ...} with non-printable bytes escaped.
void PrintTo(const AmpBox& box, std::ostream* os) {
  auto quoted = [os](const std::string& bytes) {
    *os << '"';
    for (unsigned char c : bytes) {
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        *os << c;
      } else {
        static const char digits[] = "0123456789abcdef";
        *os << "\\x" << digits[c >> 4] << digits[c & 15];
      }
    }
    *os << '"';
  };
  *os << '{';
  for (const auto& [key, value] : box) {
    quoted(key);
    *os << ": ";
    quoted(value.size() > 64 ? value.substr(0, 64) + "..." : value);
    *os << ", ";
  }
  *os << '}';
}

namespace {

// Vectors marked "Twisted 22.4" were generated with Debian's python3-twisted
// 22.4.0 (amp.Box(...).serialize(), amp.ListOf(...).toString(),
// amp.AmpList(...).toStringProto(...), amp.Float().toString(...)).

/// Bytes from space-separated hex pairs, e.g. "00 03 66 6f 6f".
std::string hex(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    out += static_cast<char>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

/// A 2-byte big-endian length and the bytes.
std::string prefixed(std::string_view bytes) {
  std::string out{static_cast<char>(bytes.size() >> 8), static_cast<char>(bytes.size() & 0xff)};
  return out.append(bytes);
}

const std::string kEnd = hex("00 00");

using Status = AmpBoxDecoder::Status;

/// Decodes `bytes` in one feed, expecting no error.
std::vector<AmpBox> decodeAll(std::string_view bytes, AmpBoxLimits limits = {}) {
  AmpBoxDecoder decoder(limits);
  std::vector<AmpBox> boxes;
  EXPECT_EQ(decoder.feed(bytes, boxes), Status::Ok);
  EXPECT_EQ(decoder.bufferedBytes(), 0u);
  return boxes;
}

/// The status one feed of `bytes` ends with.
Status decodeStatus(std::string_view bytes, AmpBoxLimits limits = {}) {
  AmpBoxDecoder decoder(limits);
  std::vector<AmpBox> boxes;
  return decoder.feed(bytes, boxes);
}

// ---- AmpBox

TEST(AmpBox, FindReturnsTheValueOrNull) {
  const AmpBox box{{"a", "1"}, {"b", "2"}};
  ASSERT_NE(box.find("a"), nullptr);
  EXPECT_EQ(*box.find("a"), "1");
  EXPECT_EQ(box.find("c"), nullptr);
  EXPECT_TRUE(box.contains("b"));
}

TEST(AmpBox, SetReplacesAValueInPlace) {
  AmpBox box{{"a", "1"}, {"b", "2"}};
  box.set("a", "3");
  ASSERT_EQ(box.size(), 2u);
  EXPECT_EQ(box.entries()[0], AmpBox::Entry("a", "3"));
  EXPECT_EQ(box.entries()[1], AmpBox::Entry("b", "2"));
}

TEST(AmpBox, EraseKeepsTheOrderAndLookupsOfTheRest) {
  AmpBox box{{"a", "1"}, {"b", "2"}, {"c", "3"}};
  EXPECT_TRUE(box.erase("a"));
  EXPECT_FALSE(box.erase("a"));
  ASSERT_EQ(box.size(), 2u);
  EXPECT_EQ(box.entries()[0].first, "b");
  EXPECT_EQ(*box.find("c"), "3");
  box.set("d", "4");
  EXPECT_EQ(box.entries()[2].first, "d");
}

TEST(AmpBox, EqualityIgnoresOrder) {
  EXPECT_EQ((AmpBox{{"a", "1"}, {"b", "2"}}), (AmpBox{{"b", "2"}, {"a", "1"}}));
  EXPECT_NE((AmpBox{{"a", "1"}}), (AmpBox{{"a", "2"}}));
  EXPECT_NE((AmpBox{{"a", "1"}}), (AmpBox{{"a", "1"}, {"b", "2"}}));
}

TEST(AmpBox, RepeatedKeyInALiteralKeepsTheLastValue) {
  const AmpBox box{{"a", "1"}, {"a", "2"}};
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(*box.find("a"), "2");
}

// ---- encodeBox

TEST(EncodeBox, TwistedFooBarVector) {
  EXPECT_EQ(encodeBox(AmpBox{{"foo", "bar"}}), hex("00 03 66 6f 6f 00 03 62 61 72 00 00"));
}

TEST(EncodeBox, TwistedSortedCommandBox) {
  // Twisted 22.4: Box({b"_command": b"Say", b"_ask": b"1", b"text": b"hi"}); Twisted sorts keys.
  const AmpBox box{{"_ask", "1"}, {"_command", "Say"}, {"text", "hi"}};
  EXPECT_EQ(encodeBox(box), hex("00 04 5f 61 73 6b 00 01 31 00 08 5f 63 6f 6d 6d 61 6e 64 00 03 53 61 79 "
                                "00 04 74 65 78 74 00 02 68 69 00 00"));
}

TEST(EncodeBox, TwistedEmptyValue) {
  EXPECT_EQ(encodeBox(AmpBox{{"k", ""}}), hex("00 01 6b 00 00 00 00"));  // Twisted 22.4
}

TEST(EncodeBox, KeepsInsertionOrder) {
  EXPECT_EQ(encodeBox(AmpBox{{"b", "2"}, {"a", "1"}}),
            prefixed("b") + prefixed("2") + prefixed("a") + prefixed("1") + kEnd);
}

TEST(EncodeBox, EmptyBoxIsJustTheTerminator) {
  EXPECT_EQ(encodeBox(AmpBox{}), kEnd);
}

TEST(EncodeBox, LongestKeyAndValueAreAccepted) {
  const std::string key(255, 'k');
  const std::string value(65535, 'v');
  EXPECT_EQ(encodeBox(AmpBox{{key, value}}), prefixed(key) + prefixed(value) + kEnd);
}

TEST(EncodeBox, KeysAndValuesTheWireCannotCarryThrow) {
  EXPECT_THROW(encodeBox(AmpBox{{"", "v"}}), std::invalid_argument);
  EXPECT_THROW(encodeBox(AmpBox{{std::string(256, 'k'), "v"}}), std::invalid_argument);
  EXPECT_THROW(encodeBox(AmpBox{{"k", std::string(65536, 'v')}}), std::invalid_argument);
}

// ---- AmpBoxDecoder

TEST(AmpBoxDecoder, TwistedFooBarVector) {
  const auto boxes = decodeAll(hex("00 03 66 6f 6f 00 03 62 61 72 00 00"));
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(boxes[0], (AmpBox{{"foo", "bar"}}));
}

TEST(AmpBoxDecoder, KeysInAnyOrder) {
  const auto boxes = decodeAll(prefixed("text") + prefixed("hi") + prefixed("_command") + prefixed("Say") + kEnd);
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(boxes[0], (AmpBox{{"_command", "Say"}, {"text", "hi"}}));
  EXPECT_EQ(boxes[0].entries()[0].first, "text");  // arrival order is kept
}

TEST(AmpBoxDecoder, EncodeThenDecodeRoundTrips) {
  const AmpBox box{{"_ask", "1f"}, {"bin", std::string("\0\xff\x00", 3)}, {"empty", ""}};
  const auto boxes = decodeAll(encodeBox(box));
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(boxes[0], box);
}

TEST(AmpBoxDecoder, KeyOf255BytesIsAccepted) {
  const std::string key(255, 'k');
  const auto boxes = decodeAll(prefixed(key) + prefixed("v") + kEnd);
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(*boxes[0].find(key), "v");
}

TEST(AmpBoxDecoder, KeyLengthOf256IsAnErrorBeforeTheKeyArrives) {
  EXPECT_EQ(decodeStatus(hex("01 00")), Status::KeyTooLong);
}

TEST(AmpBoxDecoder, KeyLengthFfffIsAnError) {
  EXPECT_EQ(decodeStatus(prefixed("a") + prefixed("b") + hex("ff ff")), Status::KeyTooLong);
}

TEST(AmpBoxDecoder, ValueOf65535BytesIsAccepted) {
  const std::string value(65535, 'v');
  const auto boxes = decodeAll(prefixed("k") + prefixed(value) + kEnd);
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(*boxes[0].find("k"), value);
}

TEST(AmpBoxDecoder, EmptyValueCompletesWithoutMoreBytes) {
  AmpBoxDecoder decoder;
  std::vector<AmpBox> boxes;
  ASSERT_EQ(decoder.feed(prefixed("k") + prefixed(""), boxes), Status::Ok);
  ASSERT_EQ(decoder.feed(kEnd, boxes), Status::Ok);
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(boxes[0], (AmpBox{{"k", ""}}));
}

TEST(AmpBoxDecoder, EmptyBoxIsAnError) {
  EXPECT_EQ(decodeStatus(kEnd), Status::EmptyBox);
}

TEST(AmpBoxDecoder, BoxesBeforeAnErrorAreStillDelivered) {
  AmpBoxDecoder decoder;
  std::vector<AmpBox> boxes;
  EXPECT_EQ(decoder.feed(encodeBox(AmpBox{{"a", "1"}}) + kEnd, boxes), Status::EmptyBox);
  EXPECT_EQ(boxes.size(), 1u);
}

TEST(AmpBoxDecoder, EmptyBoxesCanBeAccepted) {
  AmpBoxDecoder decoder({}, AmpBoxDecoder::EmptyBoxes::Accept);
  std::vector<AmpBox> boxes;
  EXPECT_EQ(decoder.feed(kEnd + kEnd, boxes), Status::Ok);
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_TRUE(boxes[0].empty());
}

TEST(AmpBoxDecoder, DuplicateKeyIsAnError) {
  EXPECT_EQ(decodeStatus(prefixed("a") + prefixed("1") + prefixed("a") + prefixed("2") + kEnd), Status::DuplicateKey);
}

TEST(AmpBoxDecoder, SameKeyInTwoBoxesIsFine) {
  const std::string box = encodeBox(AmpBox{{"a", "1"}});
  EXPECT_EQ(decodeAll(box + box).size(), 2u);
}

TEST(AmpBoxDecoder, SeveralBoxesInOneFeed) {
  const std::vector<AmpBox> sent{{{"_command", "Say"}, {"_ask", "1"}}, {{"_answer", "1"}}, {{"x", ""}}};
  std::string bytes;
  for (const AmpBox& box : sent) bytes += encodeBox(box);
  EXPECT_EQ(decodeAll(bytes), sent);
}

TEST(AmpBoxDecoder, SplitAtEveryByteBoundaryDecodesTheSame) {
  const std::vector<AmpBox> sent{{{"_command", "StartInspect"}, {"_ask", "a"}, {"img.width", "2"}},
                                 {{"empty", ""}, {std::string(255, 'k'), std::string(300, '\0')}},
                                 {{"foo", "bar"}}};
  std::string bytes;
  for (const AmpBox& box : sent) bytes += encodeBox(box);
  for (std::size_t split = 0; split <= bytes.size(); ++split) {
    SCOPED_TRACE(split);
    AmpBoxDecoder decoder;
    std::vector<AmpBox> boxes;
    const std::span<const char> all(bytes);
    ASSERT_EQ(decoder.feed(all.first(split), boxes), Status::Ok);
    ASSERT_EQ(decoder.feed(all.subspan(split), boxes), Status::Ok);
    EXPECT_EQ(boxes, sent);
    EXPECT_EQ(decoder.bufferedBytes(), 0u);
  }
}

TEST(AmpBoxDecoder, OneByteAtATimeDecodesTheSame) {
  const AmpBox sent{{"a", "1"}, {"bb", ""}, {"ccc", std::string(1000, 'x')}};
  const std::string bytes = encodeBox(sent) + encodeBox(sent);
  AmpBoxDecoder decoder;
  std::vector<AmpBox> boxes;
  for (char c : bytes) ASSERT_EQ(decoder.feed(std::span<const char>(&c, 1), boxes), Status::Ok);
  EXPECT_EQ(boxes, (std::vector<AmpBox>{sent, sent}));
}

TEST(AmpBoxDecoder, BufferedBytesCountsThePartialBox) {
  AmpBoxDecoder decoder;
  std::vector<AmpBox> boxes;
  const std::string bytes = encodeBox(AmpBox{{"foo", "bar"}});
  ASSERT_EQ(decoder.feed(std::string_view(bytes).substr(0, 6), boxes), Status::Ok);
  EXPECT_TRUE(boxes.empty());
  EXPECT_EQ(decoder.bufferedBytes(), 6u);
  ASSERT_EQ(decoder.feed(std::string_view(bytes).substr(6), boxes), Status::Ok);
  EXPECT_EQ(boxes.size(), 1u);
  EXPECT_EQ(decoder.bufferedBytes(), 0u);
}

TEST(AmpBoxDecoder, BoxAtTheByteLimitIsAccepted) {
  // "key" + "value" = 8 bytes of keys and values; prefixes do not count.
  EXPECT_EQ(decodeAll(encodeBox(AmpBox{{"key", "value"}}), {.maxBoxBytes = 8}).size(), 1u);
}

TEST(AmpBoxDecoder, BoxOverTheByteLimitFailsAtTheLengthPrefix) {
  // Only the value's length prefix is sent: the limit is checked before its bytes.
  EXPECT_EQ(decodeStatus(prefixed("key") + hex("00 06"), {.maxBoxBytes = 8}), Status::BoxTooLarge);
  EXPECT_EQ(decodeStatus(prefixed("key") + prefixed("value") + hex("00 01"), {.maxBoxBytes = 8}), Status::BoxTooLarge);
}

TEST(AmpBoxDecoder, ByteLimitIsPerBox) {
  const std::string box = encodeBox(AmpBox{{"key", "value"}});
  EXPECT_EQ(decodeAll(box + box + box, {.maxBoxBytes = 8}).size(), 3u);
}

TEST(AmpBoxDecoder, KeyLimit) {
  const AmpBoxLimits limits{.maxKeysPerBox = 3};
  EXPECT_EQ(decodeAll(encodeBox(AmpBox{{"a", ""}, {"b", ""}, {"c", ""}}), limits).size(), 1u);
  EXPECT_EQ(decodeStatus(encodeBox(AmpBox{{"a", ""}, {"b", ""}, {"c", ""}, {"d", ""}}), limits), Status::TooManyKeys);
}

TEST(AmpBoxDecoder, StaysFailedAfterAnError) {
  AmpBoxDecoder decoder;
  std::vector<AmpBox> boxes;
  ASSERT_EQ(decoder.feed(hex("01 00"), boxes), Status::KeyTooLong);
  EXPECT_EQ(decoder.feed(encodeBox(AmpBox{{"a", "1"}}), boxes), Status::KeyTooLong);
  EXPECT_EQ(decoder.status(), Status::KeyTooLong);
  EXPECT_TRUE(boxes.empty());
}

TEST(AmpBoxDecoder, EveryStatusHasADescription) {
  for (Status status : {Status::Ok, Status::KeyTooLong, Status::EmptyBox, Status::DuplicateKey, Status::BoxTooLarge,
                        Status::TooManyKeys}) {
    EXPECT_FALSE(AmpBoxDecoder::describe(status).empty());
  }
}

// ---- BigString

TEST(BigString, RoundTripsAtChunkBoundaries) {
  struct Case {
    std::size_t size;
    std::size_t chunks;
  };
  for (const Case c : {Case{0, 1}, Case{1, 1}, Case{65535, 1}, Case{65536, 2}, Case{200000, 4}}) {
    SCOPED_TRACE(c.size);
    std::string value(c.size, '\0');
    for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>(i * 7);
    AmpBox box;
    setBigString(box, "text", value);
    EXPECT_EQ(box.size(), c.chunks);
    for (const auto& [key, chunk] : box) EXPECT_LE(chunk.size(), kAmpMaxValueBytes) << key;
    EXPECT_EQ(readBigString(box, "text"), value);
    // And through the wire.
    const auto boxes = decodeAll(encodeBox(box));
    ASSERT_EQ(boxes.size(), 1u);
    EXPECT_EQ(readBigString(boxes[0], "text"), value);
  }
}

TEST(BigString, ChunkKeysAreNameThenNameDotN) {
  AmpBox box;
  setBigString(box, "img.data", std::string(65535 * 2 + 1, 'x'));
  ASSERT_EQ(box.size(), 3u);
  EXPECT_EQ(box.find("img.data")->size(), 65535u);
  EXPECT_EQ(box.find("img.data.2")->size(), 65535u);
  EXPECT_EQ(box.find("img.data.3")->size(), 1u);
}

TEST(BigString, ChunksMayArriveInAnyKeyOrder) {
  const auto boxes = decodeAll(prefixed("t.3") + prefixed("c") + prefixed("t") + prefixed("a") + prefixed("other") +
                               prefixed("z") + prefixed("t.2") + prefixed("b") + kEnd);
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(readBigString(boxes[0], "t"), "abc");
}

TEST(BigString, MissingKeyIsNullopt) {
  EXPECT_EQ(readBigString(AmpBox{{"t.2", "x"}}, "t"), std::nullopt);
  EXPECT_EQ(readBigString(AmpBox{}, "t"), std::nullopt);
}

TEST(BigString, ReadingStopsAtTheFirstMissingChunk) {
  EXPECT_EQ(readBigString(AmpBox{{"t", "a"}, {"t.2", "b"}, {"t.4", "d"}}, "t"), "ab");
}

TEST(BigString, SettingAShorterValueRemovesStaleChunks) {
  AmpBox box{{"other", "1"}};
  setBigString(box, "t", std::string(200000, 'x'));
  setBigString(box, "t", "short");
  EXPECT_EQ(box.size(), 2u);
  EXPECT_EQ(readBigString(box, "t"), "short");
}

TEST(BigString, ChunkKeysThatCannotBeEncodedThrow) {
  AmpBox box;
  EXPECT_NO_THROW(setBigString(box, std::string(255, 'k'), "small"));
  EXPECT_NO_THROW(setBigString(box, std::string(253, 'k'), std::string(65536, 'x')));  // "...k.2" is 255
  EXPECT_THROW(setBigString(box, std::string(254, 'k'), std::string(65536, 'x')), std::invalid_argument);
  EXPECT_THROW(setBigString(box, "", "x"), std::invalid_argument);
}

// ---- Integer

TEST(AmpInteger, EncodesPlainDecimal) {
  EXPECT_EQ(encodeInteger(0), "0");
  EXPECT_EQ(encodeInteger(-1), "-1");
  // Twisted 22.4: Integer().toString(2**63 - 1) and (-2**63).
  EXPECT_EQ(encodeInteger(std::numeric_limits<std::int64_t>::max()), "9223372036854775807");
  EXPECT_EQ(encodeInteger(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808");
}

TEST(AmpInteger, DecodesTheInt64Extremes) {
  EXPECT_EQ(decodeInteger("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(decodeInteger("-9223372036854775808"), std::numeric_limits<std::int64_t>::min());
}

TEST(AmpInteger, AcceptsWhatPythonIntAccepts) {
  EXPECT_EQ(decodeInteger("42"), 42);
  EXPECT_EQ(decodeInteger("-1"), -1);
  EXPECT_EQ(decodeInteger("+5"), 5);
  EXPECT_EQ(decodeInteger(" 5 "), 5);
  EXPECT_EQ(decodeInteger("\t5\r\n"), 5);
  EXPECT_EQ(decodeInteger("5\v\f"), 5);
  EXPECT_EQ(decodeInteger("05"), 5);
  EXPECT_EQ(decodeInteger("-0"), 0);
  EXPECT_EQ(decodeInteger("00000000000000000000000000001"), 1);
}

TEST(AmpInteger, OutOfRangeIsAnError) {
  std::string error;
  EXPECT_EQ(decodeInteger("9223372036854775808", &error), std::nullopt);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(decodeInteger("-9223372036854775809"), std::nullopt);
  EXPECT_EQ(decodeInteger("18446744073709551616"), std::nullopt);
  EXPECT_EQ(decodeInteger("99999999999999999999999999"), std::nullopt);
}

TEST(AmpInteger, RejectsNonDecimalText) {
  for (std::string_view bad : {"", " ", "+", "-", "- 5", "+-5", "1_000", "0x10", "1.0", "5a", "1e3", "\x1c" "5"}) {
    std::string error;
    EXPECT_EQ(decodeInteger(bad, &error), std::nullopt) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  EXPECT_EQ(decodeInteger(std::string_view("5\0", 2)), std::nullopt);
}

// ---- Float

TEST(AmpFloat, EncodesLikePythonStr) {
  // Twisted 22.4: Float().toString(v) for each v.
  EXPECT_EQ(encodeFloat(0.1), "0.1");
  EXPECT_EQ(encodeFloat(1.234), "1.234");
  EXPECT_EQ(encodeFloat(1e20), "1e+20");
  EXPECT_EQ(encodeFloat(-0.0), "-0.0");
  EXPECT_EQ(encodeFloat(5e-324), "5e-324");
  EXPECT_EQ(encodeFloat(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(encodeFloat(1e-5), "1e-05");
  EXPECT_EQ(encodeFloat(1e16), "1e+16");
  EXPECT_EQ(encodeFloat(1e15), "1000000000000000.0");
  EXPECT_EQ(encodeFloat(123.0), "123.0");
  // Python 3.11 str(v).
  EXPECT_EQ(encodeFloat(0.0), "0.0");
  EXPECT_EQ(encodeFloat(0.0001), "0.0001");
  EXPECT_EQ(encodeFloat(1.5e-7), "1.5e-07");
  EXPECT_EQ(encodeFloat(-2.5), "-2.5");
  EXPECT_EQ(encodeFloat(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(encodeFloat(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(encodeFloat(12345.678), "12345.678");
  EXPECT_EQ(encodeFloat(1e22), "1e+22");
}

TEST(AmpFloat, EncodesNanAndInfinityAsPythonDoes) {
  EXPECT_EQ(encodeFloat(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(encodeFloat(-std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(encodeFloat(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(encodeFloat(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(AmpFloat, DecodesPythonFloatForms) {
  EXPECT_EQ(decodeFloat("1.234"), 1.234);
  EXPECT_EQ(decodeFloat("1e+20"), 1e20);
  EXPECT_EQ(decodeFloat(" 1.5\n"), 1.5);
  EXPECT_EQ(decodeFloat(".5"), 0.5);
  EXPECT_EQ(decodeFloat("5."), 5.0);
  EXPECT_EQ(decodeFloat("1E+05"), 1e5);
  EXPECT_EQ(decodeFloat("+2"), 2.0);
  EXPECT_EQ(decodeFloat("-2.5"), -2.5);
  EXPECT_EQ(decodeFloat("5e-324"), 5e-324);
  EXPECT_EQ(decodeFloat("3e-324"), 5e-324);
  const auto negativeZero = decodeFloat("-0.0");
  ASSERT_TRUE(negativeZero);
  EXPECT_TRUE(*negativeZero == 0.0 && std::signbit(*negativeZero));
}

TEST(AmpFloat, DecodesNanAndInfinitySpellings) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(decodeFloat("inf"), kInf);
  EXPECT_EQ(decodeFloat("-inf"), -kInf);
  EXPECT_EQ(decodeFloat("+inf"), kInf);
  EXPECT_EQ(decodeFloat("Infinity"), kInf);
  EXPECT_EQ(decodeFloat("-iNF"), -kInf);
  for (std::string_view nan : {"nan", "-nan", "NaN", " NAN "}) {
    const auto value = decodeFloat(nan);
    ASSERT_TRUE(value) << nan;
    EXPECT_TRUE(std::isnan(*value)) << nan;
  }
}

TEST(AmpFloat, OutOfRangeDecimalsBecomeInfinityOrZeroAsInPython) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(decodeFloat("1e400"), kInf);
  EXPECT_EQ(decodeFloat("-1e400"), -kInf);
  EXPECT_EQ(decodeFloat("1.7976931348623159e308"), kInf);
  EXPECT_EQ(decodeFloat("123456e99999999999999999999"), kInf);
  EXPECT_EQ(decodeFloat("1e-400"), 0.0);
  EXPECT_EQ(decodeFloat("2e-324"), 0.0);
  EXPECT_EQ(decodeFloat("0.000001e-99999999999999999999"), 0.0);
  const auto negativeZero = decodeFloat("-1e-400");
  ASSERT_TRUE(negativeZero);
  EXPECT_TRUE(std::signbit(*negativeZero));
}

TEST(AmpFloat, RejectsWhatPythonFloatRejects) {
  for (std::string_view bad : {"", " ", "e5", ".", "-", "infinit", "1_0.5", "nan(1)", "1.5e", "0x1p3", "1.5.5", "--1",
                               "1 5", "True"}) {
    std::string error;
    EXPECT_EQ(decodeFloat(bad, &error), std::nullopt) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(AmpFloat, EncodingRoundTripsEveryDoubleExactly) {
  std::mt19937_64 random(20240611);
  std::vector<double> values{0.1, 1.0 / 3, 5e-324, std::numeric_limits<double>::max(), 2.2250738585072014e-308, -0.0};
  for (int i = 0; i < 20000; ++i) {
    const double value = std::bit_cast<double>(random());
    if (std::isfinite(value)) values.push_back(value);
  }
  for (double value : values) {
    const std::string text = encodeFloat(value);
    const auto back = decodeFloat(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(*back), std::bit_cast<std::uint64_t>(value)) << text;
  }
}

// ---- Boolean

TEST(AmpBoolean, ExactlyTrueOrFalse) {
  EXPECT_EQ(encodeBoolean(true), "True");
  EXPECT_EQ(encodeBoolean(false), "False");
  EXPECT_EQ(decodeBoolean("True"), true);
  EXPECT_EQ(decodeBoolean("False"), false);
}

TEST(AmpBoolean, RejectsOtherSpellings) {
  for (std::string_view bad : {"true", "false", "TRUE", "1", "0", "", "True ", " False"}) {
    std::string error;
    EXPECT_EQ(decodeBoolean(bad, &error), std::nullopt) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

// ---- Unicode

TEST(AmpUnicode, AcceptsValidUtf8) {
  // ASCII, U+2603, "été", U+1F600, U+10FFFF (the last code point), U+D7FF and U+E000 (either side of the surrogates).
  for (std::string_view good : {"", "Hello", "\xe2\x98\x83", "\xc3\xa9t\xc3\xa9", "\xf0\x9f\x98\x80",
                                "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf", "\xee\x80\x80"}) {
    EXPECT_EQ(decodeUnicode(good), std::string(good));
  }
  EXPECT_TRUE(isValidUtf8(std::string_view("a\0b", 3)));
}

TEST(AmpUnicode, RejectsInvalidUtf8) {
  for (std::string_view bad : {"\xff", "\x80", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xed\xbf\xbf",
                               "\xf0\x80\x80\xaf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xe2\x98", "abc\xe2",
                               "\xc3\x28", "\xe2\x28\xa1"}) {
    std::string error;
    EXPECT_EQ(decodeUnicode(bad, &error), std::nullopt);
    EXPECT_FALSE(error.empty());
  }
}

// ---- ListOf

TEST(AmpListOf, TwistedStringVector) {
  const std::string wire = hex("00 03 62 61 72 00 03 62 61 7a 00 04 71 75 75 78");
  EXPECT_EQ(encodeListOf({"bar", "baz", "quux"}), wire);
  EXPECT_EQ(decodeListOf(wire), (std::vector<std::string>{"bar", "baz", "quux"}));
}

TEST(AmpListOf, TwistedIntegerVector) {
  const std::string wire = hex("00 01 31 00 02 32 30 00 03 35 30 30");
  EXPECT_EQ(encodeListOf({encodeInteger(1), encodeInteger(20), encodeInteger(500)}), wire);
  EXPECT_EQ(decodeListOf(wire), (std::vector<std::string>{"1", "20", "500"}));
}

TEST(AmpListOf, TwistedUnicodeVector) {
  const std::string wire = hex("00 03 e2 98 83 00 05 48 65 6c 6c 6f 00 05 77 6f 72 6c 64");
  EXPECT_EQ(encodeListOf({"\xe2\x98\x83", "Hello", "world"}), wire);
  const auto elements = decodeListOf(wire);
  ASSERT_TRUE(elements);
  ASSERT_EQ(elements->size(), 3u);
  EXPECT_EQ(decodeUnicode((*elements)[0]), "\xe2\x98\x83");
}

TEST(AmpListOf, TwistedFloatAndBooleanVectors) {
  // Twisted 22.4: ListOf(Float()).toString([1.5, nan, -inf, 1e20]), ListOf(Boolean()).toString([True, False]).
  const std::string floats = prefixed("1.5") + prefixed("nan") + prefixed("-inf") + prefixed("1e+20");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(encodeListOf({encodeFloat(1.5), encodeFloat(nan), encodeFloat(-inf), encodeFloat(1e20)}), floats);
  EXPECT_EQ(encodeListOf({encodeBoolean(true), encodeBoolean(false)}), hex("00 04") + "True" + hex("00 05") + "False");
}

TEST(AmpListOf, EmptyListIsEmptyBytes) {
  EXPECT_EQ(encodeListOf({}), "");
  EXPECT_EQ(decodeListOf(""), std::vector<std::string>{});
  EXPECT_EQ(decodeListOf(hex("00 00 00 00")), (std::vector<std::string>{"", ""}));
}

TEST(AmpListOf, TruncatedInputIsAnError) {
  std::string error;
  EXPECT_EQ(decodeListOf(hex("00 03 62 61"), &error), std::nullopt);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(decodeListOf(hex("00 01 31 00")), std::nullopt);
}

TEST(AmpListOf, WholeListMustFitInOneValue) {
  EXPECT_TRUE(encodeListOf({std::string(65533, 'x')}));  // 2 + 65533 = 65535
  std::string error;
  EXPECT_EQ(encodeListOf({std::string(65534, 'x')}, &error), std::nullopt);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(encodeListOf(std::vector<std::string>(40000, "")), std::nullopt);
}

// ---- AmpList

TEST(AmpAmpList, TwistedVector) {
  // Twisted 22.4: AmpList([(b'a', Integer()), (b'b', Unicode())])
  //   .toStringProto([{'a': 7, 'b': 'hello'}, {'a': 9, 'b': 'goodbye'}], None)
  const std::string wire = prefixed("a") + prefixed("7") + prefixed("b") + prefixed("hello") + kEnd +  //
                           prefixed("a") + prefixed("9") + prefixed("b") + prefixed("goodbye") + kEnd;
  const std::vector<AmpBox> boxes{{{"a", "7"}, {"b", "hello"}}, {{"a", "9"}, {"b", "goodbye"}}};
  EXPECT_EQ(encodeAmpList(boxes), wire);
  EXPECT_EQ(decodeAmpList(wire), boxes);
}

TEST(AmpAmpList, EmptySubBoxIsAnElement) {
  // Twisted 22.4: AmpList([(b'a', Integer(optional=True))]).toStringProto([{'a': None}, {'a': 3}], None)
  const std::string wire = hex("00 00 00 01 61 00 01 33 00 00");
  const std::vector<AmpBox> boxes{AmpBox{}, AmpBox{{"a", "3"}}};
  EXPECT_EQ(encodeAmpList(boxes), wire);
  EXPECT_EQ(decodeAmpList(wire), boxes);
}

TEST(AmpAmpList, EmptyListIsEmptyBytes) {
  EXPECT_EQ(encodeAmpList({}), "");
  EXPECT_EQ(decodeAmpList(""), std::vector<AmpBox>{});
}

TEST(AmpAmpList, BoxRulesStillApply) {
  std::string error;
  EXPECT_EQ(decodeAmpList(prefixed("a") + prefixed("1") + prefixed("a") + prefixed("2") + kEnd, &error), std::nullopt);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(decodeAmpList(hex("01 00")), std::nullopt);
}

TEST(AmpAmpList, TruncatedSubBoxIsAnError) {
  std::string error;
  EXPECT_EQ(decodeAmpList(kEnd + prefixed("a") + prefixed("1"), &error), std::nullopt);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(decodeAmpList(hex("00")), std::nullopt);
}

TEST(AmpAmpList, WholeListMustFitInOneValue) {
  std::string error;
  EXPECT_EQ(encodeAmpList({AmpBox{{"k", std::string(65535, 'x')}}}, &error), std::nullopt);
  EXPECT_FALSE(error.empty());
  EXPECT_TRUE(encodeAmpList({AmpBox{{"k", std::string(65535 - 7, 'x')}}}));  // 2+1+2+value+2 = 65535
}

}  // namespace
}  // namespace vitrine
