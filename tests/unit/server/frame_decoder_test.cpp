#include "rpc/frame_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vitrine {
namespace {

std::string frame(const std::string& payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  std::string out{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                  static_cast<char>(n)};
  return out + payload;
}

std::string text(const std::vector<char>& bytes) {
  return {bytes.begin(), bytes.end()};
}

TEST(FrameDecoder, TwoFramesInOneReadAreBothDelivered) {
  FrameDecoder decoder(1024);
  std::vector<std::vector<char>> frames;
  const std::string bytes = frame("first") + frame("second");
  ASSERT_EQ(decoder.feed(bytes, frames), FrameDecoder::Status::Ok);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(text(frames[0]), "first");
  EXPECT_EQ(text(frames[1]), "second");
}

TEST(FrameDecoder, OneByteWritesAssembleTheSameFrames) {
  FrameDecoder decoder(1024);
  std::vector<std::vector<char>> frames;
  const std::string bytes = frame("hello") + frame("world!");
  for (char c : bytes) ASSERT_EQ(decoder.feed(std::span<const char>(&c, 1), frames), FrameDecoder::Status::Ok);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(text(frames[0]), "hello");
  EXPECT_EQ(text(frames[1]), "world!");
  EXPECT_EQ(decoder.bufferedBytes(), 0u);
}

TEST(FrameDecoder, PartialFrameWaitsForTheRest) {
  FrameDecoder decoder(1024);
  std::vector<std::vector<char>> frames;
  const std::string bytes = frame("abcdef");
  ASSERT_EQ(decoder.feed(std::span<const char>(bytes.data(), 7), frames), FrameDecoder::Status::Ok);
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(decoder.bufferedBytes(), 7u);
  ASSERT_EQ(decoder.feed(std::span<const char>(bytes.data() + 7, bytes.size() - 7), frames), FrameDecoder::Status::Ok);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(text(frames[0]), "abcdef");
}

TEST(FrameDecoder, FrameAtTheLimitIsAccepted) {
  FrameDecoder decoder(16);
  std::vector<std::vector<char>> frames;
  EXPECT_EQ(decoder.feed(frame(std::string(16, 'x')), frames), FrameDecoder::Status::Ok);
  EXPECT_EQ(frames.size(), 1u);
}

TEST(FrameDecoder, FrameOverTheLimitFailsAtTheHeader) {
  FrameDecoder decoder(16);
  std::vector<std::vector<char>> frames;
  const std::string header = frame(std::string(17, 'x')).substr(0, 4);
  EXPECT_EQ(decoder.feed(header, frames), FrameDecoder::Status::FrameTooLarge);
  EXPECT_EQ(decoder.announcedLength(), 17u);
  EXPECT_TRUE(decoder.writable().empty());
}

TEST(FrameDecoder, HugeClaimAllocatesNothingForTheBody) {
  FrameDecoder decoder(0x7fffffff);
  std::vector<std::vector<char>> frames;
  const char header[] = {0x7f, -1, -1, -1};  // 2^31 - 1
  ASSERT_EQ(decoder.feed(std::span<const char>(header, 4), frames), FrameDecoder::Status::Ok);
  // The first body buffer is a small window, not the announced 2 GiB.
  EXPECT_LE(decoder.writable().size(), 64u * 1024);
}

TEST(FrameDecoder, EmptyFrameIsAnError) {
  FrameDecoder decoder(16);
  std::vector<std::vector<char>> frames;
  const char header[] = {0, 0, 0, 0};
  EXPECT_EQ(decoder.feed(std::span<const char>(header, 4), frames), FrameDecoder::Status::EmptyFrame);
}

TEST(FrameDecoder, LargeFrameGrowsItsBufferAndKeepsEveryByte) {
  FrameDecoder decoder(1 << 22);
  std::vector<std::vector<char>> frames;
  std::string payload(3 << 20, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 131);
  const std::string bytes = frame(payload);
  for (std::size_t at = 0; at < bytes.size(); at += 10007) {
    const std::size_t n = std::min<std::size_t>(10007, bytes.size() - at);
    ASSERT_EQ(decoder.feed(std::span<const char>(bytes.data() + at, n), frames), FrameDecoder::Status::Ok);
  }
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(text(frames[0]), payload);
}

}  // namespace
}  // namespace vitrine
