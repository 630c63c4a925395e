// The client's side of token authentication: where the token comes from,
// and that it is sent first on every connection (against the scripted
// Thrift server, which records what authenticate() was given).
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "cli_runner.h"
#include "fake_server.h"
#include "support/process.h"
#include "support/scoped_env.h"
#include "support/temp_directory.h"
#include "vitrine/client.h"

namespace vitrine {
namespace {

using test::FakeServer;
using test::ScopedEnv;
using test::TempDirectory;

ClientOptions withToken(std::optional<std::string> token) {
  ClientOptions options;
  options.token = std::move(token);
  return options;
}

TEST(ClientToken, DefaultsToVitrineTokenWhenSetAndNotEmpty) {
  {
    ScopedEnv token("VITRINE_TOKEN", "from-the-environment");
    EXPECT_EQ(defaultToken(), "from-the-environment");
    EXPECT_EQ(ClientOptions{}.token, "from-the-environment");
  }
  {
    ScopedEnv token("VITRINE_TOKEN", "");
    EXPECT_EQ(defaultToken(), std::nullopt);
  }
  ScopedEnv token("VITRINE_TOKEN", std::nullopt);
  EXPECT_EQ(ClientOptions{}.token, std::nullopt);
}

TEST(ClientToken, IsSentFirstOnEveryConnectionAndAgainAfterAReconnect) {
  TempDirectory dir;
  FakeServer server(dir.file("fake.sock"));
  Client client(Endpoint::parse(server.address()), withToken("s3cret"));
  client.ping();
  client.whatsLoaded();
  EXPECT_EQ(server.state().tokens, std::vector<std::string>{"s3cret"});  // once per connection, not per call

  server.stop();  // closes the client's idle connection
  server.start();
  client.ping();
  EXPECT_EQ(server.state().tokens, (std::vector<std::string>{"s3cret", "s3cret"}));
}

TEST(ClientToken, NothingIsSentWithoutAToken) {
  TempDirectory dir;
  FakeServer server(dir.file("fake.sock"));
  Client client(Endpoint::parse(server.address()), withToken(std::nullopt));
  client.ping();
  EXPECT_TRUE(server.state().tokens.empty());
}

TEST(ClientToken, FromFileStripsTrailingLineBreaks) {
  TempDirectory dir;
  test::writeFile(dir.file("token"), "abc def\r\n\n");
  EXPECT_EQ(tokenFromFile(dir.file("token")), "abc def");
}

TEST(ClientToken, FromFileRefusesMissingEmptyAndHugeFilesNamingThePath) {
  TempDirectory dir;
  const auto message = [](const std::string& path) -> std::string {
    try {
      tokenFromFile(path);
    } catch (const std::invalid_argument& error) {
      return error.what();
    }
    ADD_FAILURE() << "nothing thrown for " << path;
    return "";
  };
  EXPECT_NE(message(dir.file("missing")).find(dir.file("missing")), std::string::npos);
  test::writeFile(dir.file("empty"), "\n");
  EXPECT_NE(message(dir.file("empty")).find("empty"), std::string::npos);
  test::writeFile(dir.file("huge"), std::string(5000, 'x'));
  EXPECT_NE(message(dir.file("huge")).find("too large"), std::string::npos);
}

TEST(ClientToken, CliTakesTheTokenFromVitrineTokenOrTokenFile) {
  TempDirectory dir;
  FakeServer server(dir.file("fake.sock"));
  auto result = test::runVitrine({"--address", server.address(), "ping"}, {{"VITRINE_TOKEN", "env-token"}});
  EXPECT_EQ(result.exitCode, 0) << test::describe(result);
  test::writeFile(dir.file("token"), "file-token\n");
  result = test::runVitrine({"--address", server.address(), "--token-file", dir.file("token"), "ping"},
                            {{"VITRINE_TOKEN", "env-token"}});
  EXPECT_EQ(result.exitCode, 0) << test::describe(result);
  EXPECT_EQ(server.state().tokens, (std::vector<std::string>{"env-token", "file-token"}));  // the option wins

  result = test::runVitrine({"--address", server.address(), "--token-file", dir.file("missing"), "ping"});
  EXPECT_EQ(result.exitCode, 2) << test::describe(result);
  EXPECT_NE(result.err.find("--token-file"), std::string::npos) << test::describe(result);
  test::expectOneErrorLine(result);
}

}  // namespace
}  // namespace vitrine
