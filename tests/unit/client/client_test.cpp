// vitrine::Client against no server, against peers that misbehave, and
// against a scripted Thrift server (see test_support.h).
#include "vitrine/client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "fake_server.h"
#include "raw_listener.h"
#include "support/scoped_env.h"
#include "support/temp_directory.h"

namespace vitrine {
namespace {

using namespace std::chrono_literals;
using test::FakeServer;
using test::RawListener;
using test::ScopedEnv;
using test::TempDirectory;

Endpoint unixAt(const std::string& path) {
  return Endpoint::parse("unix:" + path);
}

ClientOptions withCallTimeout(std::chrono::milliseconds timeout) {
  ClientOptions options;
  options.callTimeout = timeout;
  return options;
}

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

// The message of the ConnectError that `f` throws.
template <class F>
std::string connectError(F&& f) {
  auto error = caught<ConnectError>(std::forward<F>(f));
  return error ? error->what() : "";
}

TEST(ClientConnect, ConstructingDoesNotConnect) {
  Client client(unixAt("/nonexistent/vitrine.sock"));
  EXPECT_FALSE(client.isConnected());
  EXPECT_EQ(client.endpoint().toString(), "unix:/nonexistent/vitrine.sock");
}

TEST(ClientConnect, MissingSocketNamesTheAddressAndHowToListenThere) {
  TempDirectory dir;
  Client client(unixAt(dir.file("none.sock")));
  std::string message = connectError([&] { client.ping(); });
  EXPECT_NE(message.find("unix:" + dir.file("none.sock")), std::string::npos) << message;
  EXPECT_NE(message.find("vitrine-server --listen unix:" + dir.file("none.sock")), std::string::npos) << message;
  EXPECT_FALSE(client.isConnected());
}

TEST(ClientConnect, DefaultAddressSaysHowToStartAServer) {
  TempDirectory dir;
  ScopedEnv address("VITRINE_ADDRESS", std::nullopt);
  ScopedEnv runtimeDir("XDG_RUNTIME_DIR", dir.path());
  Client client;
  EXPECT_EQ(client.endpoint().path, dir.file("vitrine.sock"));
  std::string message = connectError([&] { client.connect(); });
  EXPECT_NE(message.find("unix:" + dir.file("vitrine.sock")), std::string::npos) << message;
  EXPECT_NE(message.find("make run"), std::string::npos) << message;
  EXPECT_NE(message.find("vitrine-server"), std::string::npos) << message;
}

TEST(ClientConnect, MissingUnixSocketFailsWithoutWaitingForTheConnectTimeout) {
  TempDirectory dir;
  ClientOptions options;
  options.connectTimeout = 120s;
  Client client(unixAt(dir.file("none.sock")), options);
  auto start = std::chrono::steady_clock::now();
  connectError([&] { client.connect(); });
  // Not a timing benchmark: a client that waited for the connect timeout
  // would take 120 s here.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 60s);
}

TEST(ClientConnect, RefusedTcpPortNamesTheAddress) {
  // A socket bound but not listening: the kernel refuses connections to it,
  // and keeping it bound keeps the port from being reused meanwhile.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string text = "tcp:127.0.0.1:" + std::to_string(ntohs(address.sin_port));

  Client client(Endpoint::parse(text));
  std::string message = connectError([&] { client.ping(); });
  EXPECT_NE(message.find(text), std::string::npos) << message;
  ::close(fd);
}

TEST(ClientTimeout, SilentServerTimesOutAndTheNextCallReconnects) {
  TempDirectory dir;
  RawListener listener(dir.file("silent.sock"), RawListener::Mode::NeverAnswer);
  Client client(unixAt(listener.path()), withCallTimeout(200ms));

  auto first = caught<CallError>([&] { client.ping(); });
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->timedOut());
  std::string message = first->what();
  EXPECT_NE(message.find("unix:" + listener.path()), std::string::npos) << message;
  EXPECT_NE(message.find("200 ms"), std::string::npos) << message;
  EXPECT_FALSE(client.isConnected());

  auto second = caught<CallError>([&] { client.whatsLoaded(); });
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->timedOut());
  EXPECT_TRUE(listener.waitForAccepts(2));
  EXPECT_EQ(listener.accepted(), 2);
}

TEST(ClientCallError, ServerClosingTheConnectionIsATransportError) {
  TempDirectory dir;
  RawListener listener(dir.file("closing.sock"), RawListener::Mode::CloseAtOnce);
  Client client(unixAt(listener.path()), withCallTimeout(10s));
  auto error = caught<CallError>([&] { client.ping(); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->reason(), CallError::Reason::Transport) << error->what();
  EXPECT_FALSE(error->timedOut());
  EXPECT_FALSE(client.isConnected());
}

TEST(ClientCallError, UndecodableAnswerIsAProtocolError) {
  TempDirectory dir;
  RawListener listener(dir.file("garbage.sock"), RawListener::Mode::SendGarbage);
  Client client(unixAt(listener.path()), withCallTimeout(10s));
  auto error = caught<CallError>([&] { client.ping(); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->reason(), CallError::Reason::Protocol) << error->what();
  EXPECT_FALSE(client.isConnected());
}

// A client of the scripted server, with default options.
class ClientWithServer : public testing::Test {
 protected:
  TempDirectory dir;
  FakeServer server{dir.file("fake.sock")};
  Client client{unixAt(server.path())};
};

TEST_F(ClientWithServer, EveryConvenienceMethodOverOneConnection) {

  client.ping();
  EXPECT_TRUE(client.isConnected());

  EXPECT_EQ(client.fetchUrl("docs", "https://example.org/"), api::PushResult::OK);
  auto state = server.state();
  EXPECT_EQ(state.lastName, "docs");
  EXPECT_EQ(state.lastUrl, "https://example.org/");
  EXPECT_FALSE(state.lastTimeoutMs.has_value());
  EXPECT_EQ(client.currentUrl(), "https://example.org/");

  server.setPushResult(api::PushResult::TIMED_OUT);
  EXPECT_EQ(client.postHtml("page", "<p>hi</p>", 1500ms), api::PushResult::TIMED_OUT);
  state = server.state();
  EXPECT_EQ(state.lastName, "page");
  EXPECT_EQ(state.lastHtml, "<p>hi</p>");
  EXPECT_EQ(state.lastTimeoutMs, 1500);

  EXPECT_EQ(client.whatsLoaded(), "call 1");

  api::ServerInfo info = client.serverInfo();
  EXPECT_EQ(info.version, "9.8.7");
  EXPECT_EQ(info.listeners.size(), 2u);

  EXPECT_EQ(client.screenshot(0), FakeServer::pngBytes());

  // Any IDL call, through call().
  std::string url = client.call([](api::VitrineClient& api) {
    std::string current;
    api.currentUrl(current);
    return current;
  });
  EXPECT_EQ(url, "https://example.org/");

  EXPECT_EQ(server.state().connections, 1);
}

TEST(ClientCompact, CallsOverTheCompactProtocol) {
  TempDirectory dir;
  FakeServer server(dir.file("compact.sock"), /*compact=*/true);
  ClientOptions options;
  options.protocol = ClientOptions::Protocol::Compact;
  Client client(unixAt(server.path()), options);
  EXPECT_EQ(client.fetchUrl("n", "https://example.org/", 250ms), api::PushResult::OK);
  EXPECT_EQ(server.state().lastTimeoutMs, 250);
  EXPECT_EQ(client.screenshot(), FakeServer::pngBytes());
}

TEST_F(ClientWithServer, DeclaredExceptionPassesThroughAndKeepsTheConnection) {
  auto error = caught<api::WindowNotFound>([&] { client.screenshot(7); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->windowId, 7);
  EXPECT_TRUE(client.isConnected());
  client.ping();
  EXPECT_EQ(server.state().connections, 1);
}

TEST_F(ClientWithServer, LoadTimeoutBeyond32BitsIsRejectedBeforeSending) {
  EXPECT_THROW(client.fetchUrl("n", "https://example.org/", std::chrono::milliseconds(1LL << 40)),
               std::invalid_argument);
  EXPECT_EQ(server.state().lastUrl, "");
}

TEST(ClientTimeout, LateAnswerIsNeverTakenForTheNextCall) {
  TempDirectory dir;
  FakeServer server(dir.file("fake.sock"));
  Client client(unixAt(server.path()), withCallTimeout(200ms));

  server.holdWhatsLoaded();
  auto error = caught<CallError>([&] { client.whatsLoaded(); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->timedOut()) << error->what();
  // The server now answers "call 1", on the connection the client dropped.
  server.releaseWhatsLoaded();
  EXPECT_EQ(client.whatsLoaded(), "call 2");
  EXPECT_EQ(server.state().connections, 2);
}

TEST_F(ClientWithServer, ServerRestartBetweenCallsIsTransparent) {
  client.ping();
  server.stop();  // closes the client's idle connection
  server.start();
  client.ping();
  EXPECT_EQ(server.state().connections, 2);
}

TEST_F(ClientWithServer, CallAfterCloseReconnects) {
  client.ping();
  client.close();
  EXPECT_FALSE(client.isConnected());
  client.ping();
  EXPECT_EQ(server.state().connections, 2);
}

TEST_F(ClientWithServer, MovedClientKeepsItsConnection) {
  client.ping();
  Client second(std::move(client));
  EXPECT_TRUE(second.isConnected());
  second.ping();
  EXPECT_EQ(server.state().connections, 1);
}

TEST(PushResultName, KnownAndUnknownValues) {
  EXPECT_EQ(toString(api::PushResult::OK), "OK");
  EXPECT_EQ(toString(api::PushResult::LOAD_FAILED), "LOAD_FAILED");
  EXPECT_EQ(toString(api::PushResult::SUPERSEDED), "SUPERSEDED");
  EXPECT_EQ(toString(static_cast<api::PushResult::type>(42)), "PushResult(42)");
}

}  // namespace
}  // namespace vitrine
