// The media subcommands of the `vitrine` tool (say, ask, choose-file,
// choose-color, show, update, close, windows, events), run as a real
// process: help, usage errors (exit 2 before connecting), what each sends
// and prints, and how the server's exceptions become exit codes, against
// the scripted server of test_support.h.
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli_runner.h"
#include "fake_server.h"
#include "sample_files.h"
#include "support/process.h"
#include "support/temp_directory.h"

namespace vitrine {
namespace {

using test::describe;
using test::expectOneErrorLine;
using test::FakeServer;
using test::FakeState;
using test::ProcessResult;
using test::TempDirectory;
using Args = std::vector<std::string>;

class CliMediaHelp : public testing::TestWithParam<const char*> {};

TEST_P(CliMediaHelp, PrintsUsageOptionsAndExitCodes) {
  for (const Args& args : {Args{GetParam(), "--help"}, Args{"--help", GetParam()}}) {
    auto result = test::runVitrine(args);
    EXPECT_EQ(result.exitCode, 0) << describe(result);
    EXPECT_EQ(result.err, "");
    EXPECT_NE(result.out.find("Usage: vitrine [GLOBAL OPTIONS] " + std::string(GetParam())), std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("--address"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("Exit codes"), std::string::npos) << result.out;
  }
}

INSTANTIATE_TEST_SUITE_P(Commands, CliMediaHelp,
                         testing::Values("say", "ask", "choose-file", "choose-color", "show", "update", "close",
                                         "windows", "events"));

TEST(CliMediaHelp, GlobalHelpListsTheMediaCommands) {
  auto result = test::runVitrine({"--help"});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  for (const char* name : {"say", "ask", "choose-file", "choose-color", "show", "update", "close", "windows",
                           "events"}) {
    EXPECT_NE(result.out.find("\n  " + std::string(name) + " "), std::string::npos) << name << "\n" << result.out;
  }
}

TEST(CliMediaHelp, AskHelpSaysThatNoExitsZero) {
  auto result = test::runVitrine({"ask", "--help"});
  EXPECT_NE(result.out.find("`yes`/`no`"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("exit 0"), std::string::npos) << result.out;
}

class CliMediaUsageError : public testing::TestWithParam<Args> {};

TEST_P(CliMediaUsageError, ExitsTwoWithOneLine) {
  auto result = test::runVitrine(GetParam());
  EXPECT_EQ(result.exitCode, 2) << describe(result);
  EXPECT_EQ(result.out, "");
  expectOneErrorLine(result);
}

INSTANTIATE_TEST_SUITE_P(
    Say, CliMediaUsageError,
    testing::Values(Args{"say"}, Args{"say", "a", "b"}, Args{"say", "hi", "--timeout", "0"},
                    Args{"say", "hi", "--timeout", "-5"}, Args{"say", "hi", "--timeout", "soon"},
                    Args{"say", "hi", "--timeout", "99999999999"}, Args{"say", "hi", "--timeout", "1", "--timeout", "2"},
                    Args{"say", "hi", "--action", "=Label"}, Args{"say", "hi", "--action"},
                    Args{"say", "hi", "--wait=yes"}, Args{"say", "hi", "--title"}, Args{"say", "hi", "--bogus"}));

INSTANTIATE_TEST_SUITE_P(
    Ask, CliMediaUsageError,
    testing::Values(Args{"ask"}, Args{"ask", "Q", "R"}, Args{"ask", "Q", "--kind", "essay"},
                    Args{"ask", "Q", "--kind", "choice"}, Args{"ask", "Q", "--kind", "multi"},
                    Args{"ask", "Q", "--choice", "a"}, Args{"ask", "Q", "--min", "1"},
                    Args{"ask", "Q", "--kind", "yes-no", "--max", "1"},
                    Args{"ask", "Q", "--kind", "integer", "--min", "one"},
                    Args{"ask", "Q", "--kind", "number", "--max", "nan"},
                    Args{"ask", "Q", "--kind", "integer", "--default", "1.5"},
                    Args{"ask", "Q", "--kind", "number", "--default", "1,5"},
                    Args{"ask", "Q", "--kind", "choice", "--choice", "a", "--default", "b"},
                    Args{"ask", "Q", "--kind", "choice", "--choice", "a", "--choice", "b", "--default", "a",
                         "--default", "b"},
                    Args{"ask", "Q", "--default", "a", "--default", "b"},
                    Args{"ask", "Q", "--kind", "yes-no", "--default", "maybe"}, Args{"ask", "Q", "--timeout", "0"}));

INSTANTIATE_TEST_SUITE_P(
    ChooseFile, CliMediaUsageError,
    testing::Values(Args{"choose-file", "--save", "--directory"}, Args{"choose-file", "--name", "x.txt"},
                    Args{"choose-file", "--directory", "--filter", "*.txt"}, Args{"choose-file", "extra"},
                    Args{"choose-file", "--timeout", "-1"}, Args{"choose-file", "--dir"}));

INSTANTIATE_TEST_SUITE_P(
    ChooseColor, CliMediaUsageError,
    testing::Values(Args{"choose-color", "--initial", "red"}, Args{"choose-color", "--initial", "#12345"},
                    Args{"choose-color", "--initial", "#12345g"}, Args{"choose-color", "--initial", "#1234567"},
                    Args{"choose-color", "extra"}, Args{"choose-color", "--alpha=1"},
                    Args{"choose-color", "--timeout", "0"}));

INSTANTIATE_TEST_SUITE_P(
    Windows, CliMediaUsageError,
    testing::Values(Args{"show"}, Args{"show", "/nonexistent/x.png"}, Args{"show", "/tmp"},
                    Args{"show", "a.png", "b.png"}, Args{"update"}, Args{"update", "1"},
                    Args{"update", "x", "/nonexistent/x.png"}, Args{"update", "-1", "/nonexistent/x.png"},
                    Args{"update", "1", "/nonexistent/x.png"}, Args{"close"}, Args{"close", "abc"},
                    Args{"close", "-3"}, Args{"close", "1.5"}, Args{"close", "1", "2"}, Args{"windows", "extra"},
                    Args{"windows", "--json=1"}, Args{"events", "--count", "0"}, Args{"events", "--count", "x"},
                    Args{"events", "--count"}, Args{"events", "extra"}, Args{"screenshot", "-o", "x.png", "-1"}));

TEST(CliMediaUsageError, ShowOfATextFileIsAUsageErrorNamingIt) {
  TempDirectory dir;
  test::writeFile(dir.file("notes.txt"), "not an image\n");
  auto result = test::runVitrine({"show", dir.file("notes.txt")});
  EXPECT_EQ(result.exitCode, 2) << describe(result);
  expectOneErrorLine(result);
  EXPECT_NE(result.err.find(dir.file("notes.txt")), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("not a PNG or JPEG"), std::string::npos) << result.err;

  result = test::runVitrine({"show", "-"}, {}, "GIF89a");
  EXPECT_EQ(result.exitCode, 2) << describe(result);
  EXPECT_NE(result.err.find("the image on stdin"), std::string::npos) << result.err;
}

class CliMedia : public testing::Test {
 protected:
  ProcessResult run(Args args, const std::string& input = {}) {
    args.insert(args.begin(), {"--address", server.address()});
    return test::runVitrine(args, {}, input);
  }

  // Runs `args` and expects exit 0 with nothing on stderr; returns stdout.
  std::string ok(const Args& args, const std::string& input = {}) {
    auto result = run(args, input);
    EXPECT_EQ(result.exitCode, 0) << describe(result);
    EXPECT_EQ(result.err, "");
    return result.out;
  }

  // Writes the red pixel PNG into the test's directory; returns its path.
  std::string pngFile() {
    const std::string path = dir.file("red.png");
    test::writeFile(path, test::redPixelPng());
    return path;
  }

  TempDirectory dir;
  FakeServer server{dir.file("fake.sock")};
};

TEST_F(CliMedia, SayPrintsTheWindowIdAndSendsTheOptions) {
  EXPECT_EQ(ok({"say", "Lunch is ready\nin the hall", "--title", "Kitchen", "--timeout", "4000", "--action",
                "ok=On my way", "--action", "later", "--name", "lunch"}),
            "1\n");
  FakeState state = server.state();
  EXPECT_EQ(state.lastText, "Lunch is ready\nin the hall");
  EXPECT_EQ(state.lastSayOptions.title, "Kitchen");
  EXPECT_EQ(state.lastSayOptions.timeoutMs, 4000);
  ASSERT_EQ(state.lastSayOptions.actions.size(), 2u);
  EXPECT_EQ(state.lastSayOptions.actions[0].key, "ok");
  EXPECT_EQ(state.lastSayOptions.actions[0].label, "On my way");
  EXPECT_EQ(state.lastSayOptions.actions[1].key, "later");
  EXPECT_EQ(state.lastSayOptions.actions[1].label, "later");
  EXPECT_EQ(state.lastSayOptions.name, "lunch");

  EXPECT_EQ(ok({"say", "plain"}), "2\n");
  state = server.state();
  EXPECT_FALSE(state.lastSayOptions.__isset.title);
  EXPECT_FALSE(state.lastSayOptions.__isset.timeoutMs);
  EXPECT_FALSE(state.lastSayOptions.__isset.actions);
}

TEST_F(CliMedia, SayTimeoutAfterTheCommandIsThePopupsAndBeforeItTheCalls) {
  // Before the command: the call timeout (the popup gets none); after it:
  // the popup's own. Both on one command line.
  EXPECT_EQ(ok({"--timeout", "5000", "say", "hi", "--timeout", "300"}), "1\n");
  EXPECT_EQ(server.state().lastSayOptions.timeoutMs, 300);
  EXPECT_EQ(ok({"--timeout", "5000", "say", "hi"}), "2\n");
  EXPECT_FALSE(server.state().lastSayOptions.__isset.timeoutMs);
}

TEST_F(CliMedia, SayWaitPrintsThePressedActionOrNothing) {
  server.edit([](FakeState& state) { state.sayAndWaitAction = "ok"; });
  EXPECT_EQ(ok({"say", "Continue?", "--action", "ok=Yes", "--wait"}), "ok\n");
  server.edit([](FakeState& state) { state.sayAndWaitAction = ""; });
  EXPECT_EQ(ok({"say", "Continue?", "--wait"}), "");
  EXPECT_TRUE(server.state().windows.empty());  // sayAndWait, not say
}

TEST_F(CliMedia, TooManyWindowsExitsOneWithTheServersMessage) {
  server.edit([](FakeState& state) { state.maxWindows = 0; });
  auto result = run({"say", "hi"});
  EXPECT_EQ(result.exitCode, 1) << describe(result);
  EXPECT_EQ(result.out, "");
  expectOneErrorLine(result);
  EXPECT_NE(result.err.find("--max-windows"), std::string::npos) << result.err;
}

TEST_F(CliMedia, AskTextSendsTheQuestionAndPrintsTheAnswer) {
  server.edit([](FakeState& state) { state.answer.__set_text("Ada Lovelace"); });
  EXPECT_EQ(ok({"ask", "Your name?", "--default", "Ada", "--title", "Hello", "--timeout", "9000"}),
            "Ada Lovelace\n");
  api::Question question = server.state().lastQuestion;
  EXPECT_EQ(question.prompt, "Your name?");
  EXPECT_EQ(question.kind, api::QuestionKind::TEXT);
  EXPECT_EQ(question.defaultText, "Ada");
  EXPECT_EQ(question.title, "Hello");
  EXPECT_EQ(question.timeoutMs, 9000);
}

TEST_F(CliMedia, AskIntegerAndNumber) {
  server.edit([](FakeState& state) {
    state.answer.kind = api::QuestionKind::INTEGER;
    state.answer.__set_integer(-42);
  });
  EXPECT_EQ(ok({"ask", "How many?", "--kind", "integer", "--min", "-100", "--max", "100", "--default", "7"}),
            "-42\n");
  api::Question question = server.state().lastQuestion;
  EXPECT_EQ(question.kind, api::QuestionKind::INTEGER);
  EXPECT_EQ(question.minimum, -100);
  EXPECT_EQ(question.maximum, 100);
  EXPECT_EQ(question.defaultInteger, 7);

  server.edit([](FakeState& state) {
    state.answer = api::Answer();
    state.answer.kind = api::QuestionKind::NUMBER;
    state.answer.__set_number(0.1);
  });
  EXPECT_EQ(ok({"ask", "Ratio?", "--kind", "number", "--default", "2.5"}), "0.1\n");
  EXPECT_EQ(server.state().lastQuestion.defaultNumber, 2.5);
  EXPECT_FALSE(server.state().lastQuestion.__isset.minimum);
}

TEST_F(CliMedia, AskChoicePrintsTheChosenLabelsOnePerLine) {
  server.edit([](FakeState& state) {
    state.answer.kind = api::QuestionKind::CHOICE;
    state.answer.__set_choices({"tea"});
  });
  EXPECT_EQ(ok({"ask", "Drink?", "--kind", "choice", "--choice", "coffee", "--choice", "tea", "--default", "tea"}),
            "tea\n");
  api::Question question = server.state().lastQuestion;
  EXPECT_EQ(question.choices, (std::vector<std::string>{"coffee", "tea"}));
  EXPECT_EQ(question.defaultChoices, (std::vector<std::int32_t>{1}));

  server.edit([](FakeState& state) {
    state.answer.kind = api::QuestionKind::MULTI_CHOICE;
    state.answer.__set_choices({"milk", "sugar"});
  });
  EXPECT_EQ(ok({"ask", "With?", "--kind", "multi", "--choice", "milk", "--choice", "lemon", "--choice", "sugar",
                "--default", "sugar", "--default", "milk"}),
            "milk\nsugar\n");
  EXPECT_EQ(server.state().lastQuestion.defaultChoices, (std::vector<std::int32_t>{2, 0}));

  server.edit([](FakeState& state) { state.answer.__set_choices({}); });
  EXPECT_EQ(ok({"ask", "With?", "--kind", "multi", "--choice", "milk"}), "");
}

TEST_F(CliMedia, AskYesNoPrintsYesOrNoAndExitsZeroForBoth) {
  server.edit([](FakeState& state) {
    state.answer.kind = api::QuestionKind::YES_NO;
    state.answer.__set_yes(false);
  });
  EXPECT_EQ(ok({"ask", "Proceed?", "--kind", "yes-no", "--default", "no"}), "no\n");
  EXPECT_FALSE(server.state().lastQuestion.defaultYes);
  EXPECT_TRUE(server.state().lastQuestion.__isset.defaultYes);
  server.edit([](FakeState& state) { state.answer.__set_yes(true); });
  EXPECT_EQ(ok({"ask", "Proceed?", "--kind", "yes-no"}), "yes\n");
}

TEST_F(CliMedia, AskPasswordSendsItsKind) {
  server.edit([](FakeState& state) {
    state.answer.kind = api::QuestionKind::PASSWORD;
    state.answer.__set_text("s3cret");
  });
  EXPECT_EQ(ok({"ask", "Password?", "--kind", "password"}), "s3cret\n");
  EXPECT_EQ(server.state().lastQuestion.kind, api::QuestionKind::PASSWORD);
}

struct CancelCase {
  api::CloseReason::type reason;
  int exitCode;
};

class CliDialogCanceled : public CliMedia, public testing::WithParamInterface<CancelCase> {};

TEST_P(CliDialogCanceled, ExitsLikeZenity) {
  server.edit([](FakeState& state) { state.cancelDialogs = GetParam().reason; });
  for (const Args& args : {Args{"ask", "Name?"}, Args{"choose-file"}, Args{"choose-color"}}) {
    auto result = run(args);
    EXPECT_EQ(result.exitCode, GetParam().exitCode) << args[0] << ": " << describe(result);
    EXPECT_EQ(result.out, "");
    expectOneErrorLine(result);
    EXPECT_NE(result.err.find(api::to_string(GetParam().reason)), std::string::npos) << result.err;
  }
}

INSTANTIATE_TEST_SUITE_P(Reasons, CliDialogCanceled,
                         testing::Values(CancelCase{api::CloseReason::CANCELED, 1},
                                         CancelCase{api::CloseReason::USER_CLOSED, 1},
                                         CancelCase{api::CloseReason::CLOSED_BY_CLIENT, 1},
                                         CancelCase{api::CloseReason::SERVER_STOPPING, 1},
                                         CancelCase{api::CloseReason::TIMED_OUT, 5}));

TEST_F(CliMedia, AskRefusedByTheServerExitsOneWithItsMessage) {
  auto result = run({"ask", "Between?", "--kind", "integer", "--min", "5", "--max", "1"});
  EXPECT_EQ(result.exitCode, 1) << describe(result);
  expectOneErrorLine(result);
  EXPECT_NE(result.err.find("the server refused the request: minimum"), std::string::npos) << result.err;
}

TEST_F(CliMedia, ChooseFileSendsTheChooserAndPrintsThePath) {
  EXPECT_EQ(ok({"choose-file"}), "/home/person/chosen.txt\n");
  EXPECT_EQ(server.state().lastChooser.mode, api::FileChooserMode::OPEN);
  EXPECT_FALSE(server.state().lastChooser.__isset.directory);

  server.edit([](FakeState& state) { state.chosenPath = "/srv/out dir/report.pdf"; });
  EXPECT_EQ(ok({"choose-file", "--save", "--name", "report.pdf", "--filter", "PDF (*.pdf)", "--filter", "*",
                "--dir", dir.path(), "--title", "Save as", "--timeout", "60000"}),
            "/srv/out dir/report.pdf\n");
  api::FileChooser chooser = server.state().lastChooser;
  EXPECT_EQ(chooser.mode, api::FileChooserMode::SAVE);
  EXPECT_EQ(chooser.defaultName, "report.pdf");
  EXPECT_EQ(chooser.nameFilters, (std::vector<std::string>{"PDF (*.pdf)", "*"}));
  EXPECT_EQ(chooser.directory, dir.path());
  EXPECT_EQ(chooser.title, "Save as");
  EXPECT_EQ(chooser.timeoutMs, 60000);

  ok({"choose-file", "--directory"});
  EXPECT_EQ(server.state().lastChooser.mode, api::FileChooserMode::DIRECTORY);
}

TEST_F(CliMedia, ChooseFileSendsARelativeStartDirectoryAsAbsolute) {
  ok({"choose-file", "--dir", "sub/../docs"});
  const std::string sent = server.state().lastChooser.directory;
  EXPECT_TRUE(sent.starts_with("/")) << sent;
  EXPECT_EQ(sent, (std::filesystem::current_path() / "docs").string());
}

TEST_F(CliMedia, ChooseColorPrintsHexWithOrWithoutAlpha) {
  server.edit([](FakeState& state) {
    state.chosenColor.r = 0x12;
    state.chosenColor.g = 0xab;
    state.chosenColor.b = 0x05;
  });
  EXPECT_EQ(ok({"choose-color"}), "#12ab05\n");
  api::Color initial = server.state().lastInitialColor;
  EXPECT_EQ(initial.r, 255);
  EXPECT_EQ(initial.g, 255);
  EXPECT_EQ(initial.b, 255);
  EXPECT_FALSE(initial.__isset.a);
  EXPECT_FALSE(server.state().lastColorChooser.__isset.withAlpha);

  EXPECT_EQ(ok({"choose-color", "--alpha", "--initial", "#FF800040", "--title", "Paint"}), "#12ab05ff\n");
  initial = server.state().lastInitialColor;
  EXPECT_EQ(initial.g, 0x80);
  EXPECT_EQ(initial.a, 0x40);
  EXPECT_TRUE(server.state().lastColorChooser.withAlpha);
  EXPECT_EQ(server.state().lastColorChooser.title, "Paint");

  server.edit([](FakeState& state) { state.chosenColor.__set_a(0x7f); });
  EXPECT_EQ(ok({"choose-color", "--alpha", "--initial", "336699"}), "#12ab057f\n");
}

TEST_F(CliMedia, ShowSendsThePngAndPrintsTheWindowId) {
  EXPECT_EQ(ok({"show", pngFile(), "--title", "Red", "--inspectable", "--name", "dot"}), "1\n");
  FakeState state = server.state();
  EXPECT_EQ(state.lastPicture.mode, api::PixelFormat::PNG);
  EXPECT_EQ(state.lastPicture.width, 0);
  EXPECT_EQ(state.lastPicture.data, test::redPixelPng());
  EXPECT_EQ(state.lastPictureOptions.title, "Red");
  EXPECT_TRUE(state.lastPictureOptions.inspectable);
  EXPECT_EQ(state.lastPictureOptions.name, "dot");

  EXPECT_EQ(ok({"show", "-"}, test::jpegStart()), "2\n");
  state = server.state();
  EXPECT_EQ(state.lastPicture.mode, api::PixelFormat::JPEG);
  EXPECT_FALSE(state.lastPictureOptions.__isset.inspectable);
}

TEST_F(CliMedia, UpdateReplacesThePictureOfAnOpenWindowOnly) {
  ok({"show", pngFile()});
  EXPECT_EQ(ok({"update", "1", "-"}, test::jpegStart()), "");
  EXPECT_EQ(server.state().lastUpdatedWindow, 1);
  EXPECT_EQ(server.state().lastPicture.mode, api::PixelFormat::JPEG);

  auto result = run({"update", "9", pngFile()});
  EXPECT_EQ(result.exitCode, 1) << describe(result);
  expectOneErrorLine(result);
  EXPECT_NE(result.err.find("no window 9"), std::string::npos) << result.err;
}

TEST_F(CliMedia, UpdateWithABadImageFailsBeforeConnecting) {
  test::writeFile(dir.file("notes.txt"), "text");
  auto result = run({"update", "1", dir.file("notes.txt")});
  EXPECT_EQ(result.exitCode, 2) << describe(result);
  EXPECT_EQ(server.state().connections, 0);
}

TEST_F(CliMedia, CloseTwiceExitsOneTheSecondTime) {
  EXPECT_EQ(ok({"say", "bye"}), "1\n");
  EXPECT_EQ(ok({"close", "1"}), "");
  auto result = run({"close", "1"});
  EXPECT_EQ(result.exitCode, 1) << describe(result);
  EXPECT_EQ(result.out, "");
  expectOneErrorLine(result);
  EXPECT_NE(result.err.find("no window 1 is open"), std::string::npos) << result.err;
}

TEST_F(CliMedia, ScreenshotOfAnyOpenWindow) {
  ok({"say", "look"});
  EXPECT_EQ(ok({"screenshot", "-o", "-", "1"}), FakeServer::pngBytes());
}

TEST_F(CliMedia, WindowsPrintsOneTabSeparatedLinePerWindow) {
  ok({"say", "hi", "--title", "Tab\there", "--name", "greeting"});
  ok({"show", pngFile()});
  EXPECT_EQ(ok({"windows"}),
            "0\tSTAGE\tvisible\t800x600+0+0\tvitrine\t\n"
            "1\tPOPUP\tvisible\t320x240+10-20\tTab here\tgreeting\n"
            "2\tPICTURE\tvisible\t320x240+10-20\tvitrine picture\t\n");
}

TEST_F(CliMedia, WindowsJsonIsAnArrayOfObjects) {
  ok({"say", "hi", "--title", "Say \"hi\"", "--name", "greeting"});
  EXPECT_EQ(ok({"windows", "--json"}),
            "[\n"
            "  {\"id\":0,\"kind\":\"STAGE\",\"title\":\"vitrine\",\"name\":\"\",\"visible\":true,"
            "\"geometry\":{\"x\":0,\"y\":0,\"width\":800,\"height\":600}},\n"
            "  {\"id\":1,\"kind\":\"POPUP\",\"title\":\"Say \\\"hi\\\"\",\"name\":\"greeting\",\"visible\":true,"
            "\"geometry\":{\"x\":10,\"y\":-20,\"width\":320,\"height\":240}}\n"
            "]\n");
}

// The first `count` lines of `text`, newlines included.
std::string firstLines(const std::string& text, int count) {
  std::size_t end = 0;
  for (int i = 0; i < count && end != std::string::npos; ++i) {
    end = text.find('\n', end);
    end = end == std::string::npos ? end : end + 1;
  }
  return text.substr(0, end);
}

// A log of one event of each kind, EVENTS_MISSED first; returns it as
// `vitrine events --from-start` prints it.
std::string logOneOfEach(FakeServer& server) {
  api::Event missed;
  missed.kind = api::EventKind::EVENTS_MISSED;
  missed.__set_missed(12);
  server.addEvent(missed);

  api::Event closed;
  closed.kind = api::EventKind::WINDOW_CLOSED;
  closed.windowId = 3;
  closed.__set_closeReason(api::CloseReason::TIMED_OUT);
  server.addEvent(closed);

  api::Event action;
  action.kind = api::EventKind::ACTION_INVOKED;
  action.windowId = 4;
  action.__set_action("ok");
  server.addEvent(action);

  api::Event pixel;
  pixel.kind = api::EventKind::PIXEL_CLICKED;
  pixel.windowId = 5;
  pixel.__set_x(10);
  pixel.__set_y(20);
  api::Color color;
  color.r = 255;
  color.g = 128;
  color.b = 0;
  color.__set_a(255);
  pixel.__set_color(color);
  server.addEvent(pixel);

  api::Event answered;
  answered.kind = api::EventKind::ANSWER_GIVEN;
  answered.windowId = 6;
  api::Answer answer;
  answer.kind = api::QuestionKind::TEXT;
  answer.__set_text("two\nlines");
  answered.__set_answer(answer);
  server.addEvent(answered);

  api::Event page;
  page.kind = api::EventKind::PAGE_LOADED;
  page.__set_name("lobby");
  page.__set_url("https://example.org/");
  server.addEvent(page);

  return "0 2024-05-01T10:00:00.123Z EVENTS_MISSED window=0 missed=12\n"
         "1 2024-05-01T10:00:00.123Z WINDOW_CLOSED window=3 reason=TIMED_OUT\n"
         "2 2024-05-01T10:00:00.123Z ACTION_INVOKED window=4 action=\"ok\"\n"
         "3 2024-05-01T10:00:00.123Z PIXEL_CLICKED window=5 x=10 y=20 color=#ff8000\n"
         "4 2024-05-01T10:00:00.123Z ANSWER_GIVEN window=6 answer=\"two\\nlines\"\n"
         "5 2024-05-01T10:00:00.123Z PAGE_LOADED window=0 name=\"lobby\" url=\"https://example.org/\"\n";
}

TEST_F(CliMedia, EventsFromStartPrintsOneLinePerEventAndStopsAtCount) {
  const std::string expected = logOneOfEach(server);
  EXPECT_EQ(ok({"events", "--from-start", "--count", "6"}), expected);
  // --count counts lines, EVENTS_MISSED included.
  EXPECT_EQ(ok({"events", "--from-start", "--count", "2"}), firstLines(expected, 2));
  auto calls = server.state().waitEventsCalls;
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.front(), std::make_pair(std::int64_t{0}, std::int32_t{30000}));
}

TEST_F(CliMedia, EventsJsonPrintsOneObjectPerLine) {
  logOneOfEach(server);
  EXPECT_EQ(ok({"events", "--from-start", "--count", "6", "--json"}),
            "{\"sequence\":0,\"kind\":\"EVENTS_MISSED\",\"windowId\":0,\"timeMs\":1714557600123,\"missed\":12}\n"
            "{\"sequence\":1,\"kind\":\"WINDOW_CLOSED\",\"windowId\":3,\"timeMs\":1714557600123,"
            "\"closeReason\":\"TIMED_OUT\"}\n"
            "{\"sequence\":2,\"kind\":\"ACTION_INVOKED\",\"windowId\":4,\"timeMs\":1714557600123,\"action\":\"ok\"}\n"
            "{\"sequence\":3,\"kind\":\"PIXEL_CLICKED\",\"windowId\":5,\"timeMs\":1714557600123,\"x\":10,\"y\":20,"
            "\"color\":{\"r\":255,\"g\":128,\"b\":0,\"a\":255}}\n"
            "{\"sequence\":4,\"kind\":\"ANSWER_GIVEN\",\"windowId\":6,\"timeMs\":1714557600123,"
            "\"answer\":{\"kind\":\"TEXT\",\"text\":\"two\\nlines\"}}\n"
            "{\"sequence\":5,\"kind\":\"PAGE_LOADED\",\"windowId\":0,\"timeMs\":1714557600123,\"name\":\"lobby\","
            "\"url\":\"https://example.org/\"}\n");
}

TEST_F(CliMedia, EventsWithoutFromStartPrintsOnlyNewEvents) {
  logOneOfEach(server);
  auto follower = std::async(std::launch::async, [&] { return run({"events", "--count", "1"}); });
  // Once it long-polls, it has skipped the old events; the next one is new.
  ASSERT_TRUE(server.waitForLongPoll());
  ok({"say", "bye"});
  ok({"close", "1"});
  auto result = follower.get();
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  EXPECT_EQ(result.out, "6 2024-05-01T10:00:00.123Z WINDOW_CLOSED window=1 reason=CLOSED_BY_CLIENT\n");
  // It never asked for "now" (-1), which a second empty poll would have
  // taken as a new "now", skipping what happened in between.
  for (const auto& [after, timeoutMs] : server.state().waitEventsCalls) {
    EXPECT_GE(after, 0);
  }
}

}  // namespace
}  // namespace vitrine
