// A misbehaving peer for the client tests: a Unix socket listener that
// accepts and then never answers, closes at once, or sends garbage.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vitrine::test {

/// A Unix socket listener that accepts connections and then, depending on
/// the mode, never answers, closes at once, or sends one frame that is not
/// a Thrift message. Accepts on its own thread until destroyed.
class RawListener {
 public:
  enum class Mode { NeverAnswer, CloseAtOnce, SendGarbage };

  RawListener(std::string path, Mode mode);
  ~RawListener();
  RawListener(const RawListener&) = delete;
  RawListener& operator=(const RawListener&) = delete;

  const std::string& path() const { return path_; }
  /// Waits until `count` connections have been accepted (at most 10 s);
  /// returns whether they were.
  bool waitForAccepts(int count);
  int accepted();

 private:
  void acceptLoop();

  std::string path_;
  Mode mode_;
  int listenFd_ = -1;
  int wakeFds_[2] = {-1, -1};
  std::vector<int> connections_;
  std::mutex mutex_;
  std::condition_variable acceptedChanged_;
  int accepted_ = 0;
  std::thread thread_;
};

}  // namespace vitrine::test
