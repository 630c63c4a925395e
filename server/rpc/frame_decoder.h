// Splits a byte stream into Thrift frames: a 4-byte big-endian length, then
// that many bytes of message. Qt-free so it can be tested byte by byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vitrine {

/// Incremental frame parser with a size limit that is checked as soon as a
/// frame's 4-byte header is complete, before any memory is set aside for its
/// body. The body buffer then grows only as bytes actually arrive, so a peer
/// that claims a large frame and sends nothing costs nothing.
///
/// Usage: write incoming bytes into writable(), then commit() how many were
/// written; when hasFrame() is true, takeFrame() hands the payload over.
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
  /// an error. The span stays valid until the next commit() or takeFrame().
  std::span<char> writable();

  /// Records that the first `count` bytes of writable() were filled.
  /// `count` must not exceed writable().size(). After an error status the
  /// decoder stays failed; the caller should drop the connection.
  Status commit(std::size_t count);

  /// True when a whole frame has been received and not yet taken.
  bool hasFrame() const { return state_ == State::Complete; }

  /// Moves the complete frame's payload out and starts on the next header.
  /// Precondition: hasFrame().
  std::vector<char> takeFrame();

  /// The length the last header announced (for error messages).
  std::uint32_t announcedLength() const { return announced_; }

  /// Bytes of the frame in progress received so far (header included).
  std::size_t bufferedBytes() const;

  /// Convenience for tests and small inputs: feeds all of `bytes`, appending
  /// every completed frame to `frames`. Stops at the first error.
  Status feed(std::span<const char> bytes, std::vector<std::vector<char>>& frames);

 private:
  enum class State { Header, Body, Complete, Failed };

  /// The first body allocation is at most this; it then doubles as data arrives.
  static constexpr std::size_t kInitialBodyCapacity = 64 * 1024;

  std::uint32_t maxFrame_;
  State state_ = State::Header;
  char header_[4] = {};
  std::size_t headerFilled_ = 0;
  std::uint32_t announced_ = 0;
  std::vector<char> body_;
  std::size_t bodyFilled_ = 0;
};

}  // namespace vitrine
