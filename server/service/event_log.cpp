#include "service/event_log.h"

#include <QDateTime>
#include <QTimer>
#include <algorithm>

namespace vitrine {

namespace {

// An upper bound of the event's size in Thrift's binary or compact protocol
// and as an AMP box: its fixed fields, every string with a length prefix and
// its field header, every index.
std::size_t encodedSize(const api::Event& event) {
  constexpr std::size_t kFixed = 256;  // the numbers, enums, colour, headers and keys
  constexpr std::size_t kPerString = 16;
  std::size_t size = kFixed + event.action.size() + event.name.size() + event.url.size() + event.reason.size() +
                     4 * kPerString;
  const api::Answer& answer = event.answer;
  size += answer.text.size() + kPerString + 8 * answer.choiceIndices.size();
  for (const std::string& choice : answer.choices) size += choice.size() + kPerString;
  return size;
}

}  // namespace

EventLog::EventLog(std::size_t capacity, std::size_t maxBatchBytes, QObject* parent)
    : QObject(parent), capacity_(std::max<std::size_t>(1, capacity)), maxBatchBytes_(std::max(maxBatchBytes, kMaxEventBytes)) {}

void EventLog::cut(std::string& text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return;
  static constexpr std::string_view kEllipsis = "\u2026";
  std::size_t end = maxBytes - kEllipsis.size();
  // Back to the start of a character: never half of one (the result stays UTF-8).
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  text += kEllipsis;
}

void EventLog::append(api::Event event) {
  event.sequence = ++lastSequence_;
  event.timeMs = QDateTime::currentMSecsSinceEpoch();
  // Clients choose these strings: the log keeps a bounded amount of each.
  cut(event.action, kMaxText);
  cut(event.name, kMaxText);
  cut(event.url, kMaxUrl);
  cut(event.reason, kMaxText);
  api::Answer& answer = event.answer;
  cut(answer.text, kMaxText);
  if (answer.choices.size() > kMaxChoices) answer.choices.resize(kMaxChoices);
  if (answer.choiceIndices.size() > kMaxChoices) answer.choiceIndices.resize(kMaxChoices);
  for (std::string& choice : answer.choices) cut(choice, kMaxText);
  sizes_.push_back(encodedSize(event));
  events_.push_back(std::move(event));
  if (events_.size() > capacity_) {
    events_.pop_front();
    sizes_.pop_front();
  }
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
  std::size_t bytes = 0;
  for (std::size_t i = first; i < events_.size() && out.size() < kMaxBatch; ++i) {
    bytes += sizes_[i];
    if (bytes > maxBatchBytes_ && !out.empty()) break;  // the rest with the next wait
    out.push_back(events_[i]);
  }
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
