#include "service/event_log.h"

#include <QDateTime>
#include <QTimer>
#include <algorithm>

namespace vitrine {

EventLog::EventLog(std::size_t capacity, QObject* parent) : QObject(parent), capacity_(std::max<std::size_t>(1, capacity)) {}

void EventLog::append(api::Event event) {
  event.sequence = ++lastSequence_;
  event.timeMs = QDateTime::currentMSecsSinceEpoch();
  events_.push_back(std::move(event));
  if (events_.size() > capacity_) events_.pop_front();
  // Answer every waiter: each has seen less than this event. Take them out
  // first: an answer may let its connection start a new wait at once, which
  // must wait for the next event, not be answered with this one's batch.
  std::list<Waiter> due;
  due.splice(due.end(), waiters_);
  for (Waiter& waiter : due) {
    disconnect(waiter.callerGone);
    waiter.timer->stop();
    waiter.timer->deleteLater();
  }
  for (Waiter& waiter : due) waiter.deliver(eventsAfter(waiter.after));
}

std::vector<api::Event> EventLog::eventsAfter(std::int64_t after) const {
  std::vector<api::Event> out;
  if (events_.empty() || after >= lastSequence_) return out;
  const std::int64_t oldest = events_.front().sequence;
  if (after > 0 && after + 1 < oldest) {
    api::Event missed;
    missed.kind = api::EventKind::EVENTS_MISSED;
    missed.timeMs = QDateTime::currentMSecsSinceEpoch();
    missed.__set_missed(oldest - after - 1);
    out.push_back(std::move(missed));
  }
  const std::size_t first = static_cast<std::size_t>(std::max<std::int64_t>(0, after + 1 - oldest));
  for (std::size_t i = first; i < events_.size() && out.size() < kMaxBatch; ++i) out.push_back(events_[i]);
  return out;
}

void EventLog::wait(std::int64_t afterSequence, std::chrono::milliseconds timeout, QObject* caller, Delivery deliver) {
  const std::int64_t after = afterSequence < 0 ? lastSequence_ : afterSequence;
  std::vector<api::Event> ready = eventsAfter(after);
  if (!ready.empty() || timeout.count() <= 0) return deliver(ready);

  waiters_.push_back(Waiter{after, std::move(deliver), new QTimer(this), {}});
  auto waiter = std::prev(waiters_.end());
  waiter->timer->setSingleShot(true);
  connect(waiter->timer, &QTimer::timeout, this, [this, waiter] { finish(waiter, {}); });
  waiter->timer->start(std::min(timeout, kMaxWait));
  if (caller) {
    waiter->callerGone = connect(caller, &QObject::destroyed, this, [this, waiter] {
      waiter->timer->deleteLater();
      waiters_.erase(waiter);
    });
  }
}

void EventLog::finish(std::list<Waiter>::iterator waiter, const std::vector<api::Event>& events) {
  Delivery deliver = std::move(waiter->deliver);
  disconnect(waiter->callerGone);
  waiter->timer->stop();
  waiter->timer->deleteLater();
  waiters_.erase(waiter);
  deliver(events);
}

}  // namespace vitrine
