#include "service/event_log.h"

#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QObject>
#include <QString>
#include <optional>
#include <string>
#include <vector>

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

// What clients choose goes into the log cut to a bounded size, never whole.
TEST(EventLog, ClientStringsAreCutOnTheWayIn) {
  EventLog log(10);
  api::Event loaded;
  loaded.kind = api::EventKind::PAGE_LOADED;
  loaded.__set_name(std::string(16 << 20, 'n'));
  loaded.__set_url("data:text/html," + std::string(1 << 20, 'u'));
  log.append(loaded);
  api::Event answered;
  answered.kind = api::EventKind::ANSWER_GIVEN;
  api::Answer answer;
  answer.kind = api::QuestionKind::MULTI_CHOICE;
  answer.__set_choices(std::vector<std::string>(1000, std::string(5000, 'c')));
  answer.__set_choiceIndices(std::vector<std::int32_t>(1000, 7));
  answered.__set_answer(answer);
  log.append(answered);

  std::vector<api::Event> got;
  log.wait(0, 0ms, nullptr, [&](const auto& events) { got = events; });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_LE(got[0].name.size(), EventLog::kMaxText);
  EXPECT_LE(got[0].url.size(), EventLog::kMaxUrl);
  EXPECT_EQ(got[0].url.substr(0, 15), "data:text/html,");
  EXPECT_EQ(got[1].answer.choices.size(), EventLog::kMaxChoices);
  EXPECT_EQ(got[1].answer.choiceIndices.size(), EventLog::kMaxChoices);
  for (const std::string& choice : got[1].answer.choices) EXPECT_LE(choice.size(), EventLog::kMaxText);
}

TEST(EventLog, ACutNeverSplitsACharacterAndSaysItWasCut) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "\u00e9\u20ac";  // 2 and 3 bytes
  std::string cut = text;
  EventLog::cut(cut, 1024);
  EXPECT_LE(cut.size(), 1024u);
  EXPECT_TRUE(QString::fromUtf8(cut.data(), static_cast<qsizetype>(cut.size())).toUtf8() ==
              QByteArray(cut.data(), static_cast<qsizetype>(cut.size())))
      << "the cut left half a character";
  EXPECT_EQ(cut.substr(cut.size() - 3), "\u2026");
  std::string shortText = "short";
  EventLog::cut(shortText, 1024);
  EXPECT_EQ(shortText, "short");
}

TEST(EventLog, AnAnswerCarriesNoMoreBytesThanAskedAndTheRestComesNext) {
  EventLog log(1000, EventLog::kMaxEventBytes);
  for (int i = 0; i < 200; ++i) {
    api::Event loaded;
    loaded.kind = api::EventKind::PAGE_LOADED;
    loaded.__set_url("https://example.org/" + std::string(2000, 'p'));
    log.append(loaded);
  }
  std::int64_t seen = 0;
  int answers = 0;
  while (seen < 200) {
    std::vector<api::Event> got;
    log.wait(seen, 0ms, nullptr, [&](const auto& events) { got = events; });
    ASSERT_FALSE(got.empty());
    std::size_t bytes = 0;
    for (const api::Event& event : got) bytes += event.url.size();
    EXPECT_LE(bytes, EventLog::kMaxEventBytes);
    seen = got.back().sequence;
    ++answers;
  }
  EXPECT_GT(answers, 1) << "200 events of 2 KiB came in one answer of 64 KiB";
}

}  // namespace
}  // namespace vitrine
