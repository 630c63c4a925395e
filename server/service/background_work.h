// CPU-heavy steps of a call, done off the GUI thread.
#pragma once

#include <QMetaObject>
#include <QObject>
#include <QThreadPool>
#include <functional>
#include <memory>

namespace vitrine {

/// Runs the CPU-bound steps of calls (decoding a PNG, encoding a screenshot
/// as PNG, copying a picture of tens of megabytes) on a small thread pool of
/// its own, and hands each result back to the GUI thread: a call may take a
/// second of CPU without holding the GUI thread, and so every other client,
/// for more than a frame. Work must touch nothing but what it was given
/// (QImage and std::string are fine: implicitly shared data is thread-safe).
///
/// Owned by the service. Its destructor waits for work still running and
/// drops the results (nobody is left to answer). run() and the `done`
/// callbacks: GUI thread only.
class BackgroundWork {
 public:
  BackgroundWork() { pool_.setMaxThreadCount(kThreads); }
  ~BackgroundWork() { pool_.waitForDone(); }  // before results_ goes: no result lands on a dead object
  BackgroundWork(const BackgroundWork&) = delete;
  BackgroundWork& operator=(const BackgroundWork&) = delete;

  /// Calls `work()` on a pool thread, then `done(result)` on the GUI thread.
  template <class Result>
  void run(std::function<Result()> work, std::function<void(Result)> done) {
    ++pending_;
    pool_.start([this, work = std::move(work), done = std::move(done)]() {
      auto result = std::make_shared<Result>(work());
      // Posted to an object of the GUI thread: `done` runs there, from its event loop.
      QMetaObject::invokeMethod(
          &results_,
          [this, done, result] {
            --pending_;
            done(std::move(*result));
          },
          Qt::QueuedConnection);
    });
  }

  /// Work handed over and not yet answered.
  int pending() const { return pending_; }

 private:
  /// Two: the GUI thread's calls need not wait for each other, and the web
  /// engine's renderers keep their share of a small machine.
  static constexpr int kThreads = 2;

  QObject results_;  // lives on the GUI thread
  QThreadPool pool_;
  int pending_ = 0;  // GUI thread only
};

}  // namespace vitrine
