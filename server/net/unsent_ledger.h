// The total of bytes that sockets have been given to send and the kernel has
// not taken yet (answers a peer does not read), over every connection.
#pragma once

#include <cstdint>
#include <functional>

namespace vitrine {

/// A running total that StreamSockets add to when they keep bytes the
/// kernel would not take, and take from when those bytes leave or are
/// dropped. When an addition takes the total past the limit, `overLimit`
/// is called (it must not close anything synchronously: it runs inside a
/// socket's write). Not owned by the sockets; must outlive them. GUI thread only.
class UnsentLedger {
 public:
  UnsentLedger(std::int64_t* total, std::int64_t limit, std::function<void()> overLimit)
      : total_(total), limit_(limit), overLimit_(std::move(overLimit)) {}

  void add(std::int64_t bytes) {
    *total_ += bytes;
    if (*total_ > limit_ && overLimit_) overLimit_();
  }
  void take(std::int64_t bytes) { *total_ -= bytes; }

  std::int64_t total() const { return *total_; }
  std::int64_t limit() const { return limit_; }

 private:
  std::int64_t* total_;
  std::int64_t limit_;
  std::function<void()> overLimit_;
};

}  // namespace vitrine
