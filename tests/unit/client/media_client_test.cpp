// The media methods of vitrine::Client (popups, questions, choosers,
// pictures, windows, events) against the scripted server of test_support.h:
// what each sends, what it returns, which declared exceptions pass through,
// and how waiting calls get along with the call timeout.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fake_server.h"
#include "sample_files.h"
#include "support/temp_directory.h"
#include "vitrine/client.h"

namespace vitrine {
namespace {

using namespace std::chrono_literals;
using test::FakeServer;
using test::FakeState;
using test::TempDirectory;

// The exception of type Error that `f` throws; nothing, and a test failure,
// if it throws nothing.
template <class Error, class F>
std::optional<Error> caught(F&& f) {
  try {
    f();
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "nothing thrown";
  return std::nullopt;
}

ClientOptions withCallTimeout(std::chrono::milliseconds timeout) {
  ClientOptions options;
  options.callTimeout = timeout;
  return options;
}

class MediaClient : public testing::Test {
 protected:
  Client clientWith(ClientOptions options) { return Client(Endpoint::parse(server.address()), options); }

  TempDirectory dir;
  FakeServer server{dir.file("fake.sock")};
  Client client{Endpoint::parse(server.address())};
};

TEST_F(MediaClient, SayReturnsTheWindowIdAndSendsTheOptions) {
  api::SayOptions options;
  options.__set_title("Greeting");
  options.__set_timeoutMs(1500);
  api::Action ok;
  ok.key = "ok";
  ok.label = "Fine";
  options.__set_actions({ok});
  options.__set_name("hello");
  EXPECT_EQ(client.say("hello\nworld", options), 1);
  EXPECT_EQ(client.say("again"), 2);  // default options

  FakeState state = server.state();
  EXPECT_EQ(state.lastText, "again");
  EXPECT_FALSE(state.lastSayOptions.__isset.title);
  ASSERT_EQ(state.windows.size(), 2u);
  EXPECT_EQ(state.windows.at(1).title, "Greeting");
  EXPECT_EQ(state.windows.at(1).name, "hello");
  EXPECT_EQ(state.windows.at(1).kind, api::WindowKind::POPUP);
}

TEST_F(MediaClient, SayAndWaitReturnsTheActionKey) {
  server.edit([](FakeState& state) { state.sayAndWaitAction = "retry"; });
  EXPECT_EQ(client.sayAndWait("Disk full"), "retry");
  server.edit([](FakeState& state) { state.sayAndWaitAction = ""; });
  EXPECT_EQ(client.sayAndWait("Closed otherwise"), "");
  EXPECT_EQ(server.state().lastText, "Closed otherwise");
}

TEST_F(MediaClient, AskReturnsTheAnswerAndSendsTheQuestion) {
  server.edit([](FakeState& state) {
    state.answer.kind = api::QuestionKind::INTEGER;
    state.answer.__set_integer(42);
  });
  api::Question question;
  question.prompt = "How many?";
  question.kind = api::QuestionKind::INTEGER;
  question.__set_minimum(0);
  question.__set_maximum(100);
  question.__set_defaultInteger(7);
  api::Answer answer = client.ask(question);
  EXPECT_EQ(answer.kind, api::QuestionKind::INTEGER);
  ASSERT_TRUE(answer.__isset.integer);
  EXPECT_EQ(answer.integer, 42);
  EXPECT_EQ(server.state().lastQuestion, question);
}

TEST_F(MediaClient, DialogCanceledPassesThroughWithItsReasonAndKeepsTheConnection) {
  for (auto reason : {api::CloseReason::CANCELED, api::CloseReason::TIMED_OUT, api::CloseReason::CLOSED_BY_CLIENT}) {
    server.edit([reason](FakeState& state) { state.cancelDialogs = reason; });
    api::Question question;
    question.prompt = "Name?";
    auto canceled = caught<api::DialogCanceled>([&] { client.ask(question); });
    ASSERT_TRUE(canceled);
    EXPECT_EQ(canceled->reason, reason);
    EXPECT_TRUE(client.isConnected());

    EXPECT_EQ(caught<api::DialogCanceled>([&] { client.chooseFile(); }).value().reason, reason);
    EXPECT_EQ(caught<api::DialogCanceled>([&] { client.chooseColor(api::Color()); }).value().reason, reason);
  }
  EXPECT_EQ(server.state().connections, 1);
}

TEST_F(MediaClient, InvalidQuestionPassesThroughAsInvalidArgument) {
  api::Question question;
  question.prompt = "Between?";
  question.kind = api::QuestionKind::NUMBER;
  question.__set_minimum(5);
  question.__set_maximum(1);
  auto invalid = caught<api::InvalidArgument>([&] { client.ask(question); });
  ASSERT_TRUE(invalid);
  EXPECT_NE(invalid->message.find("minimum"), std::string::npos) << invalid->message;
}

TEST_F(MediaClient, ChooseFileAndChooseColor) {
  server.edit([](FakeState& state) {
    state.chosenPath = "/srv/report.pdf";
    state.chosenColor.r = 0x12;
    state.chosenColor.g = 0x34;
    state.chosenColor.b = 0x56;
    state.chosenColor.__set_a(0x78);
  });
  api::FileChooser chooser;
  chooser.mode = api::FileChooserMode::SAVE;
  chooser.__set_defaultName("report.pdf");
  chooser.__set_nameFilters({"PDF (*.pdf)"});
  EXPECT_EQ(client.chooseFile(chooser), "/srv/report.pdf");
  EXPECT_EQ(server.state().lastChooser, chooser);

  api::Color initial;
  initial.r = 255;
  api::ColorChooser options;
  options.__set_withAlpha(true);
  api::Color chosen = client.chooseColor(initial, options);
  EXPECT_EQ(chosen.b, 0x56);
  EXPECT_EQ(chosen.a, 0x78);
  EXPECT_EQ(server.state().lastInitialColor, initial);
  EXPECT_EQ(server.state().lastColorChooser, options);
}

TEST_F(MediaClient, PictureWindowLifeCycle) {
  api::PictureOptions options;
  options.__set_title("Plot");
  options.__set_inspectable(true);
  const std::int64_t id = client.showPicture(pictureFromBytes(test::redPixelPng()), options);
  EXPECT_EQ(id, 1);
  EXPECT_EQ(server.state().lastPicture.mode, api::PixelFormat::PNG);
  EXPECT_EQ(server.state().lastPictureOptions, options);
  EXPECT_FALSE(client.isClosed(id));

  api::Picture raw;  // 2x1 RGB: exactly 6 bytes
  raw.width = 2;
  raw.height = 1;
  raw.mode = api::PixelFormat::RGB;
  raw.data = std::string("\xff\x00\x00\x00\xff\x00", 6);
  client.updatePicture(id, raw);
  EXPECT_EQ(server.state().lastUpdatedWindow, id);
  EXPECT_EQ(server.state().lastPicture, raw);

  std::vector<api::WindowInfo> windows = client.listWindows();
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(windows[0].kind, api::WindowKind::STAGE);
  EXPECT_EQ(windows[1].id, id);
  EXPECT_EQ(windows[1].title, "Plot");

  client.closeWindow(id);
  EXPECT_TRUE(client.isClosed(id));
  auto notFound = caught<api::WindowNotFound>([&] { client.closeWindow(id); });
  ASSERT_TRUE(notFound);
  EXPECT_EQ(notFound->windowId, id);
  EXPECT_THROW(client.updatePicture(id, raw), api::WindowNotFound);
  EXPECT_TRUE(client.isConnected());
}

TEST_F(MediaClient, TooManyWindowsIsLimitExceeded) {
  server.edit([](FakeState& state) { state.maxWindows = 1; });
  client.say("one");
  auto limit = caught<api::LimitExceeded>([&] { client.showPicture(pictureFromBytes(test::redPixelPng())); });
  ASSERT_TRUE(limit);
  EXPECT_NE(limit->message.find("--max-windows"), std::string::npos) << limit->message;
}

TEST_F(MediaClient, WaitEventsSendsItsArgumentsAndReturnsTheEvents) {
  std::int64_t id = client.say("bye");
  client.closeWindow(id);
  std::vector<api::Event> events = client.waitEvents(0, 0ms);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].sequence, 1);
  EXPECT_EQ(events[0].kind, api::EventKind::WINDOW_CLOSED);
  EXPECT_EQ(events[0].windowId, id);
  EXPECT_EQ(events[0].closeReason, api::CloseReason::CLOSED_BY_CLIENT);
  EXPECT_TRUE(client.waitEvents(1, 0ms).empty());

  auto calls = server.state().waitEventsCalls;
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1], std::make_pair(std::int64_t{1}, std::int32_t{0}));
}

TEST_F(MediaClient, WaitEventsRefusesTimeoutsItCannotSend) {
  EXPECT_THROW(client.waitEvents(0, -1ms), std::invalid_argument);
  EXPECT_THROW(client.waitEvents(0, std::chrono::milliseconds(1LL << 31)), std::invalid_argument);
  EXPECT_TRUE(server.state().waitEventsCalls.empty());
}

// A long-poll may be silent for its whole timeout: the client must not take
// that for a dead server, and must go back to the plain call timeout after.
TEST_F(MediaClient, LongPollOutlastsTheCallTimeoutWhichComesBackAfter) {
  Client impatient = clientWith(withCallTimeout(300ms));
  EXPECT_TRUE(impatient.waitEvents(100, 700ms).empty());  // the fake waits the full 700 ms
  EXPECT_TRUE(impatient.isConnected());

  server.holdWhatsLoaded();
  auto error = caught<CallError>([&] { impatient.whatsLoaded(); });
  server.releaseWhatsLoaded();
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->timedOut()) << error->what();
}

TEST_F(MediaClient, DialogWithItsOwnTimeoutOutlastsTheCallTimeout) {
  server.edit([](FakeState& state) {
    state.dialogDelay = 700ms;
    state.answer.__set_text("late but fine");
  });
  Client impatient = clientWith(withCallTimeout(300ms));
  api::Question question;
  question.prompt = "Slow?";
  question.__set_timeoutMs(5000);
  EXPECT_EQ(impatient.ask(question).text, "late but fine");
}

TEST_F(MediaClient, DialogWithoutATimeoutIsCutOffByTheCallTimeout) {
  server.edit([](FakeState& state) { state.dialogDelay = 2000ms; });
  Client impatient = clientWith(withCallTimeout(300ms));
  api::Question question;
  question.prompt = "Waiting for a person";
  auto error = caught<CallError>([&] { impatient.ask(question); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->timedOut()) << error->what();
  EXPECT_FALSE(impatient.isConnected());
}

}  // namespace
}  // namespace vitrine
