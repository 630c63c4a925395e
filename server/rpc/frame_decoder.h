// Splits a byte stream into Thrift frames: a 4-byte big-endian length, then
// that many bytes of message. Qt-free so it can be tested byte by byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace vitrine {

/// The bytes of one frame's payload: a growable buffer like
/// std::vector<char>, except that growing it leaves the new bytes
/// uninitialised. Frame bytes are overwritten by socket reads right after
/// the buffer grows, so zeroing them first (what vector::resize does) would
/// only cost time: a memset of 8 MB per 1920x1080 RGBA picture.
class FrameBytes {
 public:
  FrameBytes() = default;
  FrameBytes(FrameBytes&& other) noexcept { *this = std::move(other); }
  FrameBytes& operator=(FrameBytes&& other) noexcept {
    bytes_ = std::move(other.bytes_);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    return *this;
  }

  char* data() { return bytes_.get(); }
  const char* data() const { return bytes_.get(); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t capacity() const { return capacity_; }
  char* begin() { return data(); }
  char* end() { return data() + size_; }
  const char* begin() const { return data(); }
  const char* end() const { return data() + size_; }

  /// Sets the size; bytes past the old size are uninitialised. Growing past
  /// capacity() allocates exactly `size` bytes and copies the old ones.
  void resize(std::size_t size) {
    if (size > capacity_) {
      std::unique_ptr<char[]> grown(new char[size]);  // default-initialised: not zeroed
      if (size_ > 0) std::memcpy(grown.get(), bytes_.get(), size_);
      bytes_ = std::move(grown);
      capacity_ = size;
    }
    size_ = size;
  }
  /// Size 0; the memory is kept.
  void clear() { size_ = 0; }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

/// Incremental frame parser with a size limit that is checked as soon as a
/// frame's 4-byte header is complete, before any memory is set aside for its
/// body. The body buffer then grows only as bytes actually arrive, so a peer
/// that claims a large frame and sends nothing costs nothing.
///
/// The body buffer is reused from frame to frame: a connection that sends
/// frames of similar sizes (a stream of pictures) allocates once, and its
/// pages stay mapped (no page faults, no mmap/munmap per frame). A buffer
/// over 64 KiB is released after 16 frames in a row that needed less than a
/// quarter of it, so one large picture does not pin its memory for ever.
///
/// Usage: write incoming bytes into writable(), then commit() how many were
/// written; when hasFrame() is true, either read frame() in place and call
/// nextFrame(), or takeFrame() to keep the bytes (and recycle() them later).
/// Not thread-safe: one decoder per connection, used on one thread.
class FrameDecoder {
 public:
  enum class Status {
    Ok,           ///< Bytes accepted; a frame may now be complete.
    EmptyFrame,   ///< The header announced a zero-length frame.
    FrameTooLarge ///< The header announced more than maxFrameBytes.
  };

  /// maxFrameBytes: the largest payload accepted (the header excluded); >= 1.
  explicit FrameDecoder(std::uint32_t maxFrameBytes);

  /// Where the next bytes go: never empty while no complete frame is
  /// waiting. Empty when hasFrame() is true (take the frame first) or after
  /// an error. The span stays valid until the next commit(), takeFrame() or
  /// nextFrame().
  std::span<char> writable();

  /// Records that the first `count` bytes of writable() were filled.
  /// `count` must not exceed writable().size(). After an error status the
  /// decoder stays failed; the caller should drop the connection.
  Status commit(std::size_t count);

  /// True when a whole frame has been received and not yet taken.
  bool hasFrame() const { return state_ == State::Complete; }

  /// The complete frame's payload, in place: valid until nextFrame() or
  /// takeFrame(). Precondition: hasFrame().
  std::span<const char> frame() const { return {body_.data(), announced_}; }

  /// Done with frame(): starts on the next header, keeping the buffer.
  /// Precondition: hasFrame().
  void nextFrame();

  /// Moves the complete frame's payload out (exactly its bytes) and starts on
  /// the next header with no buffer. Precondition: hasFrame().
  FrameBytes takeFrame();

  /// Offers the storage of a frame taken earlier back for the next frames.
  /// Kept when nothing is being received into a buffer right now and it is
  /// larger than the buffer held; otherwise freed.
  void recycle(FrameBytes&& storage);

  /// The length the last header announced (for error messages).
  std::uint32_t announcedLength() const { return announced_; }

  /// The largest payload accepted from the next header on (a connection
  /// that has authenticated accepts more than one that has not). >= 1.
  void setMaxFrame(std::uint32_t maxFrameBytes);
  std::uint32_t maxFrame() const { return maxFrame_; }

  /// After commit() returned FrameTooLarge: goes on receiving that frame
  /// without keeping it, so the peer can be answered once it has sent it
  /// (closing with its bytes unread would reset the connection and lose the
  /// answer). The first `headBytes` bytes (at most; the call header is
  /// there) are kept for skippedHead(); the rest land in a 64 KiB scratch
  /// buffer and are dropped. writable()/commit() are used as before;
  /// skippedFrame() turns true once every announced byte has gone by, and
  /// the decoder then stays there (the connection closes).
  void skipOversizedFrame(std::size_t headBytes);
  /// The oversized frame is being received (skipOversizedFrame was called).
  bool skipping() const { return state_ == State::Skipping; }
  /// Every byte of the oversized frame has gone by.
  bool skippedFrame() const { return state_ == State::Skipped; }
  /// The first bytes of the oversized frame (see skipOversizedFrame).
  std::span<const char> skippedHead() const { return {skipHead_.data(), skipHeadFilled_}; }
  /// All of skippedHead() has arrived (the rest of the frame may still be coming).
  bool skippedHeadComplete() const {
    return (state_ == State::Skipping || state_ == State::Skipped) && skipHeadFilled_ == skipHead_.size();
  }

  /// Frees the body buffer when no frame is in progress (a connection gone idle).
  void releaseBuffer();

  /// Bytes of the frame in progress received so far (header included).
  std::size_t bufferedBytes() const;

  /// Bytes of memory held for frame bodies (the reused buffer).
  std::size_t bufferCapacity() const { return body_.capacity(); }

  /// Convenience for tests and small inputs: feeds all of `bytes`, appending
  /// every completed frame to `frames`. Stops at the first error.
  Status feed(std::span<const char> bytes, std::vector<std::vector<char>>& frames);

 private:
  enum class State { Header, Body, Complete, Failed, Skipping, Skipped };

  /// The first body allocation is at most this; it then doubles as data arrives.
  static constexpr std::size_t kInitialBodyCapacity = 64 * 1024;
  /// A buffer up to this size is always kept between frames.
  static constexpr std::size_t kAlwaysKeptCapacity = 64 * 1024;
  /// Frames in a row using under a quarter of a larger buffer before it is released.
  static constexpr int kSmallFramesBeforeRelease = 16;
  /// Where the bytes of a skipped oversized frame land.
  static constexpr std::size_t kSkipScratchBytes = 64 * 1024;

  /// Applies the release rule to the frame whose header was just read.
  void noteFrameSize();

  std::uint32_t maxFrame_;
  State state_ = State::Header;
  char header_[4] = {};
  std::size_t headerFilled_ = 0;
  std::uint32_t announced_ = 0;
  /// size() is the part handed out by writable() so far; capacity() is kept.
  FrameBytes body_;
  std::size_t bodyFilled_ = 0;
  int smallFramesInARow_ = 0;
  // Skipping an oversized frame: its head, and how much of it is still to come.
  std::vector<char> skipHead_;
  std::size_t skipHeadFilled_ = 0;
  std::uint64_t skipRemaining_ = 0;
  std::unique_ptr<char[]> skipScratch_;
};

}  // namespace vitrine
