// CPU-heavy steps of a call, done off the GUI thread.
#pragma once

#include <QMetaObject>
#include <QObject>
#include <QThreadPool>
#include <deque>
#include <functional>
#include <memory>

namespace vitrine {

/// Runs the CPU-bound steps of calls (decoding a PNG, encoding a screenshot
/// as PNG, copying a picture of tens of megabytes) on a small thread pool of
/// its own, and hands each result back to the GUI thread: a call may take a
/// second of CPU without holding the GUI thread, and so every other client,
/// for more than a frame.
///
/// At most kInFlight jobs are under way; later ones wait in a queue as their
/// `prepare` step, which runs on the GUI thread only when a slot is free. So
/// what a job needs in memory (a window's grabbed image, a decoded picture)
/// exists for a few jobs at a time, however many calls ask at once.
///
/// Owned by the service. Its destructor drops the queue and waits for the
/// jobs under way, whose results are dropped (nobody is left to answer).
/// run() and the callbacks: GUI thread only. Work must touch nothing but
/// what `prepare` gave it (QImage and std::string are fine: implicitly
/// shared data is thread-safe).
class BackgroundWork {
 public:
  BackgroundWork() { pool_.setMaxThreadCount(kThreads); }
  ~BackgroundWork() {
    queue_.clear();
    pool_.waitForDone();  // before results_ goes: no result lands on a dead object
  }
  BackgroundWork(const BackgroundWork&) = delete;
  BackgroundWork& operator=(const BackgroundWork&) = delete;

  /// When a slot is free: calls `prepare()` on the GUI thread, which returns
  /// the work (or an empty function when it has answered by itself, e.g.
  /// the window has gone since); then runs the work on a pool thread and
  /// calls `done(result)` on the GUI thread.
  template <class Result>
  void run(std::function<std::function<Result()>()> prepare, std::function<void(Result)> done) {
    queue_.push_back([this, prepare = std::move(prepare), done = std::move(done)] {
      std::function<Result()> work = prepare();
      if (!work) return finished();
      pool_.start([this, work = std::move(work), done] {
        auto result = std::make_shared<Result>(work());
        // Posted to an object of the GUI thread: `done` runs there, from its event loop.
        QMetaObject::invokeMethod(
            &results_,
            [this, done, result] {
              done(std::move(*result));
              finished();
            },
            Qt::QueuedConnection);
      });
    });
    startQueued();
  }

  /// Jobs under way or waiting.
  std::size_t pending() const { return running_ + queue_.size(); }

 private:
  /// Two threads: the GUI thread's calls need not wait for each other, and
  /// the web engine's renderers keep their share of a small machine.
  static constexpr int kThreads = 2;
  /// Jobs started at once (two running, two ready behind them).
  static constexpr std::size_t kInFlight = 4;

  void startQueued() {
    while (running_ < kInFlight && !queue_.empty()) {
      std::function<void()> start = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
      start();
    }
  }
  void finished() {
    --running_;
    startQueued();
  }

  QObject results_;  // lives on the GUI thread
  QThreadPool pool_;
  std::deque<std::function<void()>> queue_;  // GUI thread only
  std::size_t running_ = 0;                   // GUI thread only
};

}  // namespace vitrine
