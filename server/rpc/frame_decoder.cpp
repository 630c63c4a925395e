#include "rpc/frame_decoder.h"

#include <algorithm>
#include <boost/endian/conversion.hpp>
#include <cassert>
#include <cstring>

namespace vitrine {

FrameDecoder::FrameDecoder(std::uint32_t maxFrameBytes) : maxFrame_(std::max<std::uint32_t>(1, maxFrameBytes)) {}

std::span<char> FrameDecoder::writable() {
  switch (state_) {
    case State::Header:
      return {header_ + headerFilled_, sizeof header_ - headerFilled_};
    case State::Body: {
      if (bodyFilled_ == body_.size()) {
        // Use what is already allocated, else grow geometrically; never past
        // what the header announced. No byte is zeroed (FrameBytes).
        const std::size_t grown = std::max({kInitialBodyCapacity, body_.size() * 2, body_.capacity()});
        body_.resize(std::min<std::size_t>(announced_, grown));
      }
      return {body_.data() + bodyFilled_, body_.size() - bodyFilled_};
    }
    case State::Skipping: {
      if (skipHeadFilled_ < skipHead_.size()) return {skipHead_.data() + skipHeadFilled_, skipHead_.size() - skipHeadFilled_};
      if (!skipScratch_) skipScratch_ = std::make_unique<char[]>(kSkipScratchBytes);
      return {skipScratch_.get(), static_cast<std::size_t>(std::min<std::uint64_t>(kSkipScratchBytes, skipRemaining_))};
    }
    case State::Complete:
    case State::Failed:
    case State::Skipped:
      return {};
  }
  return {};
}

FrameDecoder::Status FrameDecoder::commit(std::size_t count) {
  switch (state_) {
    case State::Header: {
      assert(count <= sizeof header_ - headerFilled_);
      headerFilled_ += count;
      if (headerFilled_ < sizeof header_) return Status::Ok;
      std::uint32_t raw;
      std::memcpy(&raw, header_, sizeof raw);
      announced_ = boost::endian::big_to_native(raw);
      if (announced_ == 0) {
        state_ = State::Failed;
        return Status::EmptyFrame;
      }
      if (announced_ > maxFrame_) {
        state_ = State::Failed;
        return Status::FrameTooLarge;
      }
      state_ = State::Body;
      noteFrameSize();
      body_.clear();  // keeps the capacity
      bodyFilled_ = 0;
      return Status::Ok;
    }
    case State::Body:
      assert(bodyFilled_ + count <= body_.size());
      bodyFilled_ += count;
      if (bodyFilled_ == announced_) state_ = State::Complete;
      return Status::Ok;
    case State::Complete:
      assert(count == 0);
      return Status::Ok;
    case State::Failed:
      return announced_ == 0 ? Status::EmptyFrame : Status::FrameTooLarge;
    case State::Skipping:
      assert(count <= skipRemaining_);
      if (skipHeadFilled_ < skipHead_.size()) skipHeadFilled_ += count;
      skipRemaining_ -= count;
      if (skipRemaining_ == 0) {
        state_ = State::Skipped;
        skipScratch_.reset();
      }
      return Status::Ok;
    case State::Skipped:
      return Status::Ok;
  }
  return Status::Ok;
}

void FrameDecoder::setMaxFrame(std::uint32_t maxFrameBytes) {
  maxFrame_ = std::max<std::uint32_t>(1, maxFrameBytes);
}

void FrameDecoder::skipOversizedFrame(std::size_t headBytes) {
  assert(state_ == State::Failed && announced_ > maxFrame_);
  skipHead_.assign(std::min<std::size_t>(headBytes, announced_), '\0');
  skipHeadFilled_ = 0;
  skipRemaining_ = announced_;
  state_ = State::Skipping;
}

void FrameDecoder::releaseBuffer() {
  if (state_ == State::Header && headerFilled_ == 0) body_ = FrameBytes();
}

void FrameDecoder::noteFrameSize() {
  const std::size_t capacity = body_.capacity();
  if (capacity <= kAlwaysKeptCapacity || std::size_t{announced_} * 4 >= capacity) {
    smallFramesInARow_ = 0;
    return;
  }
  if (++smallFramesInARow_ >= kSmallFramesBeforeRelease) {
    body_ = FrameBytes();
    smallFramesInARow_ = 0;
  }
}

void FrameDecoder::nextFrame() {
  assert(state_ == State::Complete);
  bodyFilled_ = 0;
  headerFilled_ = 0;
  state_ = State::Header;
}

FrameBytes FrameDecoder::takeFrame() {
  assert(state_ == State::Complete);
  body_.resize(announced_);  // it is exactly that already; shrinking the size frees nothing
  FrameBytes frame = std::move(body_);
  body_ = FrameBytes();
  bodyFilled_ = 0;
  headerFilled_ = 0;
  state_ = State::Header;
  return frame;
}

void FrameDecoder::recycle(FrameBytes&& storage) {
  // While a body is being received its buffer holds bytes: keep that one.
  if (state_ != State::Header || storage.capacity() <= body_.capacity()) return;
  body_ = std::move(storage);
  body_.clear();
}

std::size_t FrameDecoder::bufferedBytes() const {
  if (state_ == State::Skipping) return headerFilled_ + static_cast<std::size_t>(announced_ - skipRemaining_);
  return headerFilled_ + bodyFilled_;
}

FrameDecoder::Status FrameDecoder::feed(std::span<const char> bytes, std::vector<std::vector<char>>& frames) {
  while (true) {
    if (hasFrame()) {
      const std::span<const char> payload = frame();
      frames.emplace_back(payload.begin(), payload.end());
      nextFrame();
    }
    if (bytes.empty()) return Status::Ok;
    std::span<char> room = writable();
    const std::size_t n = std::min(room.size(), bytes.size());
    std::memcpy(room.data(), bytes.data(), n);
    bytes = bytes.subspan(n);
    if (Status status = commit(n); status != Status::Ok) return status;
  }
}

}  // namespace vitrine
