// Windows at the limits the IDL declares (--max-text, --max-label,
// --max-list-items, --max-actions) open, show what they were given, and cost
// the GUI thread no more than a bounded turn: the server's own figure
// (serverInfo().longestTurnUs, reset before the call), not a timing in the
// test. Past the limits, the bad-input battery (bad_input_test.cpp) checks the
// refusals; the keyboard on a list of 100,000 is tests/python/test_interaction.py.
#include <gtest/gtest.h>

#include <QColor>
#include <QImage>
#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/eventually.h"
#include "support/shared_server_suite.h"
#include "vitrine/client.h"

namespace vitrine::test {
namespace {

using namespace std::chrono_literals;

// The longest GUI-thread turn a window at the limits may cost: a generous
// bound, far above what it costs (see docs/performance.md), far below the
// seconds and minutes such windows cost before the limits. Three times that
// under the sanitizers (make sanitize sets VITRINE_SANITIZED).
const std::int64_t kTurnBoundUs = 500'000 * (std::getenv("VITRINE_SANITIZED") ? 3 : 1);

// The IDL's defaults, which the suite's server keeps.
constexpr std::size_t kMaxText = 65536;
constexpr std::size_t kMaxLabel = 4096;
constexpr int kMaxListItems = 100000;
constexpr int kMaxActions = 16;

std::optional<std::int64_t> windowTitled(Client& client, const std::string& title) {
  const std::vector<api::WindowInfo> windows = client.call([](api::VitrineClient& api) {
    std::vector<api::WindowInfo> out;
    api.listWindows(out);
    return out;
  });
  for (const api::WindowInfo& window : windows) {
    if (window.title == title) return window.id;
  }
  return std::nullopt;
}

QImage decoded(const std::string& png) {
  return QImage::fromData(reinterpret_cast<const uchar*>(png.data()), static_cast<int>(png.size()), "PNG");
}

// How many distinct colours a picture has: a window that shows text and
// widgets has many, a blank one a few.
int coloursOf(const QImage& image) {
  std::set<QRgb> colours;
  for (int y = 0; y < image.height(); y += 2) {
    for (int x = 0; x < image.width(); x += 2) colours.insert(image.pixel(x, y));
  }
  return static_cast<int>(colours.size());
}

// `bytes` bytes of words, with a line break every `lineBytes` (none when 0).
std::string prose(std::size_t bytes, std::size_t lineBytes) {
  static const std::string kWords = "the quick brown fox jumps over the lazy dog ";
  std::string out;
  out.reserve(bytes);
  while (out.size() < bytes) {
    out += (lineBytes && out.size() % lineBytes >= lineBytes - 1) ? '\n' : kWords[out.size() % kWords.size()];
  }
  return out;
}

api::Question choiceQuestion(const std::string& title, api::QuestionKind::type kind, std::vector<std::int32_t> defaults) {
  api::Question question;
  question.prompt = "Which one?";
  question.__set_kind(kind);
  question.__set_title(title);
  std::vector<std::string> choices;
  choices.reserve(kMaxListItems);
  for (int i = 0; i < kMaxListItems; ++i) choices.push_back("choice " + std::to_string(i));
  question.__set_choices(std::move(choices));
  question.__set_defaultChoices(std::move(defaults));
  return question;
}

class DisplayLimitsSuite : public SharedServerSuite<DisplayLimitsSuite> {
 public:
  static std::vector<std::string> serverArgs() { return {"--size", "320x240"}; }

 protected:
  void SetUp() override {
    observer_.emplace(server_->unixEndpoint());
    // A first window costs what nothing later does (styles, fonts, backing
    // stores): paid here, the figures below are those of each window.
    const std::int64_t warmUp = observer_->say("warming up");
    observer_->screenshot(warmUp);
    observer_->closeWindow(warmUp);
    observer_->resetLongestTurn();
  }

  // The server's longest GUI-thread turn since SetUp, and what it served.
  api::ServerInfo turns() { return observer_->serverInfo(); }

  void expectTurnsWithinBound() {
    const api::ServerInfo info = turns();
    EXPECT_LT(info.longestTurnUs, kTurnBoundUs)
        << "the GUI thread was held " << info.longestTurnUs << " us at once, by " << info.longestTurnCause;
  }

  // Asks `question` on a connection of its own; the future holds how it ended (ANSWERED when answered).
  std::future<api::CloseReason::type> askInBackground(api::Question question) {
    return std::async(std::launch::async, [endpoint = server_->unixEndpoint(), question = std::move(question)] {
      Client asker(endpoint);
      try {
        asker.ask(question);
      } catch (const api::DialogCanceled& canceled) {
        return canceled.reason;
      }
      return api::CloseReason::ANSWERED;
    });
  }

  // Opens `question`, waits for its window, takes its screenshot (which lays
  // it out and paints it whole), closes it; returns the screenshot.
  QImage openAndClose(api::Question question) {
    const std::string title = question.title;
    auto asked = askInBackground(std::move(question));
    std::optional<std::int64_t> dialog;
    EXPECT_TRUE(eventually([&] { return (dialog = windowTitled(*observer_, title)).has_value(); }))
        << "the question did not open";
    if (!dialog) return {};
    const QImage shot = decoded(observer_->screenshot(*dialog));
    observer_->closeWindow(*dialog);
    EXPECT_EQ(asked.wait_for(60s), std::future_status::ready);
    EXPECT_EQ(asked.get(), api::CloseReason::CLOSED_BY_CLIENT);
    return shot;
  }

  std::optional<Client> observer_;
};

TEST_F(DisplayLimitsSuite, AChoiceOfAHundredThousandOpensWithinTheTurnBound) {
  const QImage shot = openAndClose(choiceQuestion("choice-100000", api::QuestionKind::CHOICE, {kMaxListItems - 1}));
  ASSERT_FALSE(shot.isNull());
  EXPECT_GT(coloursOf(shot), 8) << "the question's window is blank";
  expectTurnsWithinBound();
}

TEST_F(DisplayLimitsSuite, AMultiChoiceOfAHundredThousandWithDefaultsOpensWithinTheTurnBound) {
  std::vector<std::int32_t> defaults;
  for (int i = 0; i < kMaxListItems; i += 3) defaults.push_back(i);
  const QImage shot = openAndClose(choiceQuestion("multi-100000", api::QuestionKind::MULTI_CHOICE, defaults));
  ASSERT_FALSE(shot.isNull());
  EXPECT_GT(coloursOf(shot), 8) << "the question's window is blank";
  expectTurnsWithinBound();
}

TEST_F(DisplayLimitsSuite, APopupOfTheLongestTextAndMostActionsOpensWithinTheTurnBound) {
  for (const std::size_t lineBytes : {std::size_t{80}, std::size_t{0}}) {  // lines, then one paragraph
    SCOPED_TRACE(lineBytes ? "a text of lines" : "a text of one paragraph");
    api::SayOptions options;
    options.__set_title(std::string(kMaxLabel, 't'));
    std::vector<api::Action> actions;
    for (int i = 0; i < kMaxActions; ++i) {
      api::Action action;
      action.key = "key " + std::to_string(i);
      action.label = i == 0 ? std::string(kMaxLabel, 'L') : "Action " + std::to_string(i);
      actions.push_back(action);
    }
    options.__set_actions(actions);
    const std::int64_t popup = observer_->say(prose(kMaxText, lineBytes), options);
    const QImage shot = decoded(observer_->screenshot(popup));
    ASSERT_FALSE(shot.isNull());
    EXPECT_GT(coloursOf(shot), 8) << "the popup is blank";
    // A window a person can take in: a page of the text, not 64 KiB of it, nor a row of 4 KiB of button.
    EXPECT_LE(shot.width(), 1600);
    EXPECT_LE(shot.height(), 1200);
    observer_->closeWindow(popup);
    expectTurnsWithinBound();
    observer_->resetLongestTurn();
  }
}

TEST_F(DisplayLimitsSuite, AQuestionWithTheLongestPromptAndDefaultOpensWithinTheTurnBound) {
  api::Question question;
  question.prompt = prose(kMaxText, 80);
  question.__set_title("prompt-64KiB");
  question.__set_defaultText(prose(kMaxText, 0));
  const QImage shot = openAndClose(question);
  ASSERT_FALSE(shot.isNull());
  EXPECT_GT(coloursOf(shot), 8) << "the question's window is blank";
  EXPECT_LE(shot.height(), 1200) << "the prompt was not kept to a page";
  expectTurnsWithinBound();
}

}  // namespace
}  // namespace vitrine::test
