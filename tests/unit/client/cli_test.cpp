// The `vitrine` tool, run as a real process: usage errors, help, exit
// codes, and what each subcommand prints (against the scripted server of
// test_support.h).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli_runner.h"
#include "fake_server.h"
#include "raw_listener.h"
#include "support/process.h"
#include "support/temp_directory.h"

namespace vitrine {
namespace {

using test::FakeServer;
using test::ProcessResult;
using test::RawListener;
using test::TempDirectory;

using test::describe;
using test::expectOneErrorLine;

ProcessResult vitrine(const std::vector<std::string>& args,
                      std::map<std::string, std::optional<std::string>> env = {},
                      const std::string& input = {}) {
  return test::runVitrine(args, std::move(env), input);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(CliHelp, GlobalHelpListsCommandsAndExitCodes) {
  auto result = vitrine({"--help"});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  EXPECT_EQ(result.err, "");
  for (const char* text : {"Usage: vitrine", "url", "html", "loaded", "screenshot", "ping", "info", "--address",
                           "--timeout", "--compact", "VITRINE_ADDRESS", "Exit codes", "5  timed out"}) {
    EXPECT_NE(result.out.find(text), std::string::npos) << text << "\n" << result.out;
  }
}

TEST(CliHelp, Version) {
  auto result = vitrine({"--version"});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  EXPECT_EQ(result.out, "vitrine 0.1.0\n");
}

class CliCommandHelp : public testing::TestWithParam<const char*> {};

TEST_P(CliCommandHelp, PrintsUsageOptionsAndExitCodes) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{GetParam(), "--help"}, std::vector<std::string>{GetParam(), "-h"},
        std::vector<std::string>{"--help", GetParam()}}) {
    auto result = vitrine(args);
    EXPECT_EQ(result.exitCode, 0) << describe(result);
    EXPECT_EQ(result.err, "");
    EXPECT_NE(result.out.find("Usage: vitrine [GLOBAL OPTIONS] " + std::string(GetParam())), std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("--address"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("Exit codes"), std::string::npos) << result.out;
  }
}

INSTANTIATE_TEST_SUITE_P(Commands, CliCommandHelp,
                         testing::Values("url", "html", "loaded", "screenshot", "ping", "info"));

class CliUsageError : public testing::TestWithParam<std::vector<std::string>> {};

TEST_P(CliUsageError, ExitsTwoWithOneLine) {
  auto result = vitrine(GetParam());
  EXPECT_EQ(result.exitCode, 2) << describe(result);
  EXPECT_EQ(result.out, "");
  expectOneErrorLine(result);
}

using Args = std::vector<std::string>;
INSTANTIATE_TEST_SUITE_P(
    BadCommandLines, CliUsageError,
    testing::Values(Args{}, Args{"bogus"}, Args{"--bogus"}, Args{"--bogus", "ping"}, Args{"--address"},
                    Args{"--address", "nonsense", "ping"}, Args{"ping", "--address", "tcp:nowhere"},
                    Args{"--timeout", "abc", "ping"}, Args{"--timeout=-1", "ping"},
                    Args{"--time", "5", "ping"}, Args{"ping", "extra"}, Args{"ping", "--bogus"},
                    Args{"url"}, Args{"url", "a", "b"}, Args{"url", "https://x/", "--timeout-load", "0"},
                    Args{"url", "https://x/", "--timeout-load", "soon"}, Args{"url", "https://x/", "--name"},
                    Args{"html"}, Args{"html", "/nonexistent/page.html"}, Args{"html", "/tmp"},
                    Args{"screenshot"}, Args{"screenshot", "-o"}, Args{"screenshot", "-o", "x.png", "stage"},
                    Args{"screenshot", "-o", "x.png", "1", "2"}, Args{"loaded", "now"}));

TEST(CliUsageError, MalformedVitrineAddressNamesTheVariable) {
  auto result = vitrine({"ping"}, {{"VITRINE_ADDRESS", "tcp:nowhere"}});
  EXPECT_EQ(result.exitCode, 2) << describe(result);
  expectOneErrorLine(result);
  EXPECT_NE(result.err.find("VITRINE_ADDRESS"), std::string::npos) << result.err;
}

TEST(CliNoServer, ExitsThreeNamingTheAddress) {
  TempDirectory dir;
  const std::string address = "unix:" + dir.file("none.sock");
  for (const Args& args : {Args{"--address", address, "ping"}, Args{"url", "https://x/", "--address", address},
                           Args{"--address=" + address, "screenshot", "-o", dir.file("x.png")}}) {
    auto result = vitrine(args);
    EXPECT_EQ(result.exitCode, 3) << describe(result);
    EXPECT_EQ(result.out, "");
    expectOneErrorLine(result);
    EXPECT_NE(result.err.find(address), std::string::npos) << result.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.png")));
}

TEST(CliNoServer, DefaultAddressSaysHowToStartAServer) {
  TempDirectory dir;
  auto result = vitrine({"ping"}, {{"VITRINE_ADDRESS", std::nullopt}, {"XDG_RUNTIME_DIR", dir.path()}});
  EXPECT_EQ(result.exitCode, 3) << describe(result);
  expectOneErrorLine(result);
  EXPECT_NE(result.err.find("unix:" + dir.file("vitrine.sock")), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("make run"), std::string::npos) << result.err;
}

struct TransitCase {
  RawListener::Mode peer;
  const char* command;
  int exitCode;
};

class CliTransit : public testing::TestWithParam<TransitCase> {};

TEST_P(CliTransit, MapsTheFailureToItsExitCode) {
  TempDirectory dir;
  RawListener listener(dir.file("peer.sock"), GetParam().peer);
  auto result = vitrine({"--address", "unix:" + listener.path(), "--timeout", "200", GetParam().command});
  EXPECT_EQ(result.exitCode, GetParam().exitCode) << describe(result);
  EXPECT_EQ(result.out, "");
  expectOneErrorLine(result);
}

INSTANTIATE_TEST_SUITE_P(
    Peers, CliTransit,
    testing::Values(TransitCase{RawListener::Mode::NeverAnswer, "ping", 5},   // call timeout
                    TransitCase{RawListener::Mode::CloseAtOnce, "ping", 4},   // connection lost
                    TransitCase{RawListener::Mode::SendGarbage, "info", 4}));  // undecodable answer

class CliAgainstServer : public testing::Test {
 protected:
  ProcessResult run(Args args, const std::string& input = {}) {
    args.insert(args.begin(), {"--address", server.address()});
    return vitrine(args, {}, input);
  }

  TempDirectory dir;
  FakeServer server{dir.file("fake.sock")};
};

TEST_F(CliAgainstServer, UrlPrintsOk) {
  auto result = run({"url", "https://example.org/", "--name", "docs", "--timeout-load", "1500"});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  EXPECT_EQ(result.out, "OK\n");
  EXPECT_EQ(result.err, "");
  auto state = server.state();
  EXPECT_EQ(state.lastName, "docs");
  EXPECT_EQ(state.lastUrl, "https://example.org/");
  EXPECT_EQ(state.lastTimeoutMs, 1500);
}

TEST_F(CliAgainstServer, UrlNameDefaultsToTheUrl) {
  auto result = run({"url", "https://example.org/a"});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  EXPECT_EQ(server.state().lastName, "https://example.org/a");
  EXPECT_FALSE(server.state().lastTimeoutMs.has_value());
}

struct PushOutcome {
  api::PushResult::type result;
  const char* printed;
  int exitCode;
};

class CliPushResult : public CliAgainstServer, public testing::WithParamInterface<PushOutcome> {};

TEST_P(CliPushResult, PrintsTheNameAndMapsTheExitCode) {
  server.setPushResult(GetParam().result);
  auto result = run({"url", "https://example.org/"});
  EXPECT_EQ(result.exitCode, GetParam().exitCode) << describe(result);
  EXPECT_EQ(result.out, std::string(GetParam().printed) + "\n");
  expectOneErrorLine(result);
}

INSTANTIATE_TEST_SUITE_P(NotOk, CliPushResult,
                         testing::Values(PushOutcome{api::PushResult::LOAD_FAILED, "LOAD_FAILED", 1},
                                         PushOutcome{api::PushResult::INVALID_ARGUMENT, "INVALID_ARGUMENT", 1},
                                         PushOutcome{api::PushResult::SUPERSEDED, "SUPERSEDED", 1},
                                         PushOutcome{api::PushResult::TIMED_OUT, "TIMED_OUT", 5}));

TEST_F(CliAgainstServer, HtmlFromFileIsNamedAfterTheFile) {
  const std::string page = dir.file("page.html");
  std::ofstream(page) << "<h1>hello</h1>";
  auto result = run({"html", page});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  EXPECT_EQ(result.out, "OK\n");
  EXPECT_EQ(server.state().lastName, "page.html");
  EXPECT_EQ(server.state().lastHtml, "<h1>hello</h1>");
}

TEST_F(CliAgainstServer, HtmlFromStdin) {
  auto result = run({"html", "-", "--name", "piped"}, "<p>from stdin</p>");
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  EXPECT_EQ(server.state().lastName, "piped");
  EXPECT_EQ(server.state().lastHtml, "<p>from stdin</p>");

  result = run({"html", "-"}, "<p>again</p>");
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  EXPECT_EQ(server.state().lastName, "stdin");
}

TEST_F(CliAgainstServer, LoadedPrintsNameTabUrl) {
  ASSERT_EQ(run({"url", "https://example.org/b"}).exitCode, 0);
  auto result = run({"loaded"});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  // The fake answers whatsLoaded() with a call counter.
  EXPECT_EQ(result.out, "call 1\thttps://example.org/b\n");
}

TEST_F(CliAgainstServer, ScreenshotToFile) {
  const std::string png = dir.file("stage.png");
  auto result = run({"screenshot", "--output", png});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(readFile(png), FakeServer::pngBytes());
}

TEST_F(CliAgainstServer, ScreenshotToStdout) {
  auto result = run({"screenshot", "-o", "-", "0"});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  EXPECT_EQ(result.out, FakeServer::pngBytes());
}

TEST_F(CliAgainstServer, ScreenshotOfUnknownWindowExitsOne) {
  auto result = run({"screenshot", "-o", dir.file("w.png"), "7"});
  EXPECT_EQ(result.exitCode, 1) << describe(result);
  expectOneErrorLine(result);
  EXPECT_NE(result.err.find("no window 7"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("w.png")));
}

TEST_F(CliAgainstServer, ScreenshotToUnwritablePathExitsOne) {
  auto result = run({"screenshot", "-o", dir.file("missing-dir/stage.png")});
  EXPECT_EQ(result.exitCode, 1) << describe(result);
  expectOneErrorLine(result);
}

TEST_F(CliAgainstServer, PingPrintsPongAndTime) {
  auto result = run({"ping"});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  EXPECT_TRUE(result.out.starts_with("pong ")) << result.out;
  EXPECT_TRUE(result.out.ends_with(" ms\n")) << result.out;
}

TEST_F(CliAgainstServer, InfoPrintsOneKeyValuePerLine) {
  auto result = run({"info"});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  EXPECT_EQ(result.out,
            "version: 9.8.7\n"
            "uptimeMs: 1234\n"
            "connections: 1\n"
            "callsServed: 42\n"
            "windows: 1\n"
            "listeners: unix:/a.sock, tcp:127.0.0.1:9090\n"
            "platform: offscreen\n"
            "qtVersion: 6.4.2\n"
            "pid: 4321\n"
            "longestTurnUs: 2500\n"
            "longestTurnCause: Vitrine.say\n"
            "slowTurns: 0\n"
            "pictureBytes: 0\n"
            "unsentBytes: 0\n");
}

TEST_F(CliAgainstServer, GlobalOptionsAfterTheCommand) {
  auto result = vitrine({"ping", "--address", server.address(), "--timeout", "5000"});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
}

TEST_F(CliAgainstServer, AddressFromEnvironment) {
  auto result = vitrine({"ping"}, {{"VITRINE_ADDRESS", server.address()}});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
}

TEST(CliCompact, TalksToACompactServer) {
  TempDirectory dir;
  FakeServer server(dir.file("compact.sock"), /*compact=*/true);
  auto result = vitrine({"--compact", "--address", server.address(), "url", "https://example.org/"});
  EXPECT_EQ(result.exitCode, 0) << describe(result);
  EXPECT_EQ(result.out, "OK\n");
}

}  // namespace
}  // namespace vitrine
