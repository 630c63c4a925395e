#include "service/event_log.h"

#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QObject>
#include <optional>

namespace vitrine {
namespace {

using namespace std::chrono_literals;

api::Event closed(std::int64_t windowId) {
  api::Event event;
  event.kind = api::EventKind::WINDOW_CLOSED;
  event.windowId = windowId;
  return event;
}

// Runs the event loop until `done` or a deadline (a failing test must not hang).
template <class Predicate>
bool spinUntil(Predicate done) {
  QDeadlineTimer deadline(10s);
  while (!done() && !deadline.hasExpired()) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
  return done();
}

TEST(EventLog, SequenceNumbersStartAtOneAndIncrease) {
  EventLog log(10);
  log.append(closed(1));
  log.append(closed(2));
  std::vector<api::Event> got;
  log.wait(0, 0ms, nullptr, [&](const auto& events) { got = events; });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].sequence, 1);
  EXPECT_EQ(got[1].sequence, 2);
  EXPECT_GT(got[0].timeMs, 0);
}

TEST(EventLog, AfterSequenceSkipsWhatWasSeen) {
  EventLog log(10);
  for (int i = 1; i <= 3; ++i) log.append(closed(i));
  std::vector<api::Event> got;
  log.wait(2, 0ms, nullptr, [&](const auto& events) { got = events; });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].windowId, 3);
}

TEST(EventLog, CallerThatFellBehindIsToldHowManyItMissed) {
  EventLog log(3);
  for (int i = 1; i <= 10; ++i) log.append(closed(i));  // keeps 8, 9, 10
  std::vector<api::Event> got;
  log.wait(2, 0ms, nullptr, [&](const auto& events) { got = events; });
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].kind, api::EventKind::EVENTS_MISSED);
  EXPECT_EQ(got[0].missed, 5);  // 3..7
  EXPECT_EQ(got[1].sequence, 8);
}

TEST(EventLog, FromTheStartIsNotAMiss) {
  EventLog log(2);
  for (int i = 1; i <= 5; ++i) log.append(closed(i));
  std::vector<api::Event> got;
  log.wait(0, 0ms, nullptr, [&](const auto& events) { got = events; });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].sequence, 4);
}

TEST(EventLog, WaiterIsAnsweredByTheNextEventOnly) {
  EventLog log(10);
  log.append(closed(1));
  std::optional<std::vector<api::Event>> got;
  log.wait(-1, 10s, nullptr, [&](const auto& events) { got = events; });
  EXPECT_FALSE(got);
  EXPECT_EQ(log.pendingWaits(), 1u);
  log.append(closed(2));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].windowId, 2);
  EXPECT_EQ(log.pendingWaits(), 0u);
}

TEST(EventLog, WaiterTimesOutWithNothing) {
  EventLog log(10);
  std::optional<std::vector<api::Event>> got;
  log.wait(-1, 20ms, nullptr, [&](const auto& events) { got = events; });
  ASSERT_TRUE(spinUntil([&] { return got.has_value(); }));
  EXPECT_TRUE(got->empty());
}

TEST(EventLog, AWaitStartedWhileAnsweringWaitsForTheNextEvent) {
  EventLog log(10);
  std::optional<std::vector<api::Event>> second;
  log.wait(-1, 10s, nullptr, [&](const auto&) {
    // A connection answered here may start its next long-poll at once.
    log.wait(-1, 10s, nullptr, [&](const auto& events) { second = events; });
  });
  log.append(closed(1));
  EXPECT_FALSE(second) << "the new wait was answered with an empty batch";
  log.append(closed(2));
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)[0].windowId, 2);
}

TEST(EventLog, WaitOfACallerThatGoesAwayIsDropped) {
  EventLog log(10);
  auto caller = std::make_unique<QObject>();
  bool answered = false;
  log.wait(-1, 10s, caller.get(), [&](const auto&) { answered = true; });
  caller.reset();
  EXPECT_EQ(log.pendingWaits(), 0u);
  log.append(closed(1));
  EXPECT_FALSE(answered);
}

TEST(EventLog, BatchIsBounded) {
  EventLog log(5000);
  for (int i = 0; i < 3000; ++i) log.append(closed(i));
  std::vector<api::Event> got;
  log.wait(0, 0ms, nullptr, [&](const auto& events) { got = events; });
  EXPECT_EQ(got.size(), EventLog::kMaxBatch);
}

}  // namespace
}  // namespace vitrine
