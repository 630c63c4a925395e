#include "rpc/frame_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
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

/// Feeds `bytes` through writable()/commit() as a socket would, in reads of `chunk` bytes.
void deliver(FrameDecoder& decoder, const std::string& bytes, std::size_t chunk = 65536) {
  for (std::size_t at = 0; at < bytes.size();) {
    const std::span<char> room = decoder.writable();
    ASSERT_FALSE(room.empty());
    const std::size_t n = std::min({room.size(), bytes.size() - at, chunk});
    std::copy_n(bytes.data() + at, n, room.data());
    at += n;
    ASSERT_EQ(decoder.commit(n), FrameDecoder::Status::Ok);
  }
}

TEST(FrameDecoder, ConsecutiveFramesReuseOneBuffer) {
  FrameDecoder decoder(1 << 22);
  const std::string first(1 << 20, 'a');
  deliver(decoder, frame(first));
  ASSERT_TRUE(decoder.hasFrame());
  EXPECT_EQ(std::string(decoder.frame().begin(), decoder.frame().end()), first);
  const char* storage = decoder.frame().data();
  const std::size_t capacity = decoder.bufferCapacity();
  decoder.nextFrame();

  const std::string second(1 << 20, 'b');
  deliver(decoder, frame(second));
  ASSERT_TRUE(decoder.hasFrame());
  EXPECT_EQ(decoder.frame().data(), storage);
  EXPECT_EQ(decoder.bufferCapacity(), capacity);
  EXPECT_EQ(std::string(decoder.frame().begin(), decoder.frame().end()), second);
}

TEST(FrameDecoder, ATakenFrameCanBeRecycledForTheNextOne) {
  FrameDecoder decoder(1 << 22);
  deliver(decoder, frame(std::string(1 << 20, 'a')));
  FrameBytes taken = decoder.takeFrame();
  EXPECT_EQ(taken.size(), 1u << 20);
  EXPECT_EQ(decoder.bufferCapacity(), 0u);
  const char* storage = taken.data();
  decoder.recycle(std::move(taken));
  deliver(decoder, frame("next"));
  ASSERT_TRUE(decoder.hasFrame());
  EXPECT_EQ(decoder.frame().data(), storage);
  EXPECT_EQ(std::string(decoder.frame().begin(), decoder.frame().end()), "next");
}

TEST(FrameDecoder, ALargeBufferIsReleasedAfterManySmallFrames) {
  FrameDecoder decoder(1 << 22);
  deliver(decoder, frame(std::string(1 << 20, 'a')));
  decoder.nextFrame();
  EXPECT_GE(decoder.bufferCapacity(), 1u << 20);
  for (int i = 0; i < 16; ++i) {
    deliver(decoder, frame("ping"));
    ASSERT_TRUE(decoder.hasFrame());
    decoder.nextFrame();
  }
  EXPECT_LE(decoder.bufferCapacity(), 64u * 1024);
}

TEST(FrameDecoder, AReusedLargeBufferStillAnnouncesNoMoreThanTheFrame) {
  // A big buffer from an earlier frame: a small frame's writable() is its own size, so a read cannot run into the next frame.
  FrameDecoder decoder(1 << 22);
  deliver(decoder, frame(std::string(1 << 20, 'a')));
  decoder.nextFrame();
  const std::string header = frame("abc").substr(0, 4);
  deliver(decoder, header);
  EXPECT_EQ(decoder.writable().size(), 3u);
}

}  // namespace
}  // namespace vitrine
