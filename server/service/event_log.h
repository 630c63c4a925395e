// The bounded log of events that waitEvents long-polls.
#pragma once

#include <QObject>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <vector>

#include "vitrine/api/vitrine_types.h"

class QTimer;

namespace vitrine {

/// Keeps the last `capacity` events with increasing sequence numbers (from
/// 1) and answers long-polls: a waiter is answered as soon as an event after
/// its sequence exists, or with nothing at its timeout. A waiter whose
/// caller disconnects is dropped.
///
/// Bounded whatever clients send: the strings of an event are cut on the
/// way in (kMaxText bytes, a URL kMaxUrl, an answer's choices to the first
/// kMaxChoices), so an event is at most a few tens of kilobytes, and one
/// answer carries at most kMaxBatch events and `maxBatchBytes` bytes of
/// them (the rest come with the next wait). GUI thread only.
class EventLog : public QObject {
  Q_OBJECT

 public:
  using Delivery = std::function<void(const std::vector<api::Event>&)>;

  /// Most events one answer carries.
  static constexpr std::size_t kMaxBatch = 1000;
  /// Longest a waiter may wait.
  static constexpr std::chrono::milliseconds kMaxWait{60000};
  /// Longest string (bytes, cut on a character boundary, "…" marking the
  /// cut) an event keeps: a name, an action's key, an answer's text or choice.
  static constexpr std::size_t kMaxText = 1024;
  /// Longest URL an event keeps.
  static constexpr std::size_t kMaxUrl = 2048;
  /// Most choices (and choice indices) of an answer an event keeps.
  static constexpr std::size_t kMaxChoices = 32;
  /// The largest an event can be once cut, encoded (a bound, with room to spare).
  static constexpr std::size_t kMaxEventBytes = 64 * 1024;

  /// `maxBatchBytes`: the most bytes of events one answer carries (the
  /// server's --max-frame, less room for the message around them); at least
  /// kMaxEventBytes, so every event fits in an answer of its own.
  explicit EventLog(std::size_t capacity, std::size_t maxBatchBytes = 16u << 20, QObject* parent = nullptr);

  /// Stamps `event` with the next sequence number and the time, cuts its
  /// strings, keeps it (dropping the oldest past capacity), and answers
  /// every waiter.
  void append(api::Event event);

  /// Cuts `text` to at most `maxBytes` bytes of UTF-8, on a character
  /// boundary, ending with "…" when it was cut. Pure.
  static void cut(std::string& text, std::size_t maxBytes);

  /// Answers `deliver` with the events after `afterSequence` (0: the oldest
  /// kept; -1: only events from now on), at once if there are any or if
  /// `timeout` is zero, else when one arrives or `timeout` (clamped to
  /// kMaxWait) runs out. A caller that fell behind gets EVENTS_MISSED first.
  /// `caller` (may be null): when destroyed, the wait is dropped unanswered.
  void wait(std::int64_t afterSequence, std::chrono::milliseconds timeout, QObject* caller, Delivery deliver);

  /// The newest sequence number handed out; 0 before any event.
  std::int64_t lastSequence() const { return lastSequence_; }
  /// Waits not yet answered.
  std::size_t pendingWaits() const { return waiters_.size(); }

 private:
  struct Waiter {
    std::int64_t after;
    Delivery deliver;
    QTimer* timer;
    QMetaObject::Connection callerGone;
  };
  std::vector<api::Event> eventsAfter(std::int64_t after) const;
  void finish(std::list<Waiter>::iterator waiter, const std::vector<api::Event>& events);

  std::size_t capacity_;
  std::size_t maxBatchBytes_;
  std::deque<api::Event> events_;
  /// The encoded size of each event in events_ (an upper bound), in the same order.
  std::deque<std::size_t> sizes_;
  std::int64_t lastSequence_ = 0;
  std::list<Waiter> waiters_;
};

}  // namespace vitrine
