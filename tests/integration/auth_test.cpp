// Who may connect: a real server with --token-file, driven over real
// sockets. TCP connections (loopback or not) are served only after
// authenticate(token); the Unix socket needs no token.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/raw_socket.h"
#include "support/scoped_env.h"
#include "support/server_process.h"
#include "support/temp_directory.h"
#include "vitrine/client.h"

namespace vitrine::test {
namespace {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TMemoryBuffer;

constexpr const char* kToken = "d1c3a0f6b2e94f7a8c5d6e7f8091a2b3";

ClientOptions withToken(std::optional<std::string> token) {
  ClientOptions options;
  options.token = std::move(token);
  return options;
}

// authenticate(token) as a framed binary call.
std::string framedAuthenticate(const std::string& token, int seqid) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  TBinaryProtocol protocol(buffer);
  api::Vitrine_authenticate_pargs args;
  args.token = &token;
  args.write(&protocol);
  return framedCall("authenticate", seqid, buffer->getBufferAsString());
}

// What a reply payload says, read with the generated code.
struct DecodedReply {
  ReplyHeader header;
  std::optional<apache::thrift::TApplicationException> applicationError;
  bool authenticationFailed = false;
};

DecodedReply decodeAuthenticateReply(const std::string& payload) {
  auto buffer = std::make_shared<TMemoryBuffer>(reinterpret_cast<std::uint8_t*>(const_cast<char*>(payload.data())),
                                                static_cast<std::uint32_t>(payload.size()));
  TBinaryProtocol protocol(buffer);
  DecodedReply reply;
  apache::thrift::protocol::TMessageType type;
  protocol.readMessageBegin(reply.header.method, type, reply.header.seqid);
  reply.header.isException = type == apache::thrift::protocol::T_EXCEPTION;
  if (reply.header.isException) {
    apache::thrift::TApplicationException error;
    error.read(&protocol);
    reply.applicationError = error;
  } else if (reply.header.method == "authenticate") {
    api::Vitrine_authenticate_presult result;
    result.read(&protocol);
    reply.authenticationFailed = result.__isset.failed;
  }
  return reply;
}

// The second TCP listener's address, tcp:0.0.0.0:PORT, as serverInfo reports it.
Endpoint anyAddressListener(const ServerProcess& server) {
  for (const std::string& listener : Client(server.unixEndpoint(), withToken(std::nullopt)).serverInfo().listeners) {
    if (listener.starts_with("tcp:0.0.0.0:")) return Endpoint::parse(listener);
  }
  throw std::runtime_error("no tcp:0.0.0.0 listener");
}

class Authentication : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tokens_ = std::make_unique<TempDirectory>();
    const std::string file = tokens_->write("token", std::string(kToken) + "\n");
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--token-file", file, "--listen", "tcp:0.0.0.0:0"});
  }
  static void TearDownTestSuite() {
    server_.reset();
    tokens_.reset();
  }

  static inline std::unique_ptr<TempDirectory> tokens_;
  static inline std::unique_ptr<ServerProcess> server_;
};

TEST_F(Authentication, CallBeforeAuthenticateIsRefusedAndTheConnectionClosed) {
  RawSocket socket(server_->tcpEndpoint());
  socket.send(framedCall("ping", 7));
  const auto reply = socket.readFrame();
  ASSERT_TRUE(reply);
  const DecodedReply decoded = decodeAuthenticateReply(*reply);
  EXPECT_EQ(decoded.header.seqid, 7);
  ASSERT_TRUE(decoded.applicationError);
  EXPECT_NE(std::string(decoded.applicationError->what()).find("authentication required"), std::string::npos)
      << decoded.applicationError->what();
  EXPECT_TRUE(socket.closedByPeer());

  // Others are served meanwhile: the Unix socket without a token, TCP with one.
  EXPECT_NO_THROW(Client(server_->unixEndpoint(), withToken(std::nullopt)).ping());
  EXPECT_NO_THROW(Client(server_->tcpEndpoint(), withToken(kToken)).ping());
}

TEST_F(Authentication, NothingOfARefusedCallIsExecuted) {
  Client observer(server_->unixEndpoint(), withToken(std::nullopt));
  const std::size_t before = observer.listWindows().size();
  RawSocket socket(server_->tcpEndpoint());
  // say("x", {}): would open a popup if it were served.
  socket.send(framedCall("say", 3, std::string("\x0b\x00\x01\x00\x00\x00\x01x\x0c\x00\x02\x00\x00", 13)));
  const auto reply = socket.readFrame();
  ASSERT_TRUE(reply);
  EXPECT_TRUE(decodeAuthenticateReply(*reply).applicationError);
  EXPECT_TRUE(socket.closedByPeer());
  EXPECT_EQ(observer.listWindows().size(), before);
}

TEST_F(Authentication, ClientWithoutATokenGetsAnErrorSayingSo) {
  try {
    Client(server_->tcpEndpoint(), withToken(std::nullopt)).ping();
    FAIL() << "expected CallError";
  } catch (const CallError& error) {
    EXPECT_EQ(error.reason(), CallError::Reason::Application);
    EXPECT_NE(std::string(error.what()).find("authentication required"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("VITRINE_TOKEN"), std::string::npos) << error.what();
  }
}

TEST_F(Authentication, WrongTokenIsAnsweredAuthenticationFailedThenClosed) {
  RawSocket socket(server_->tcpEndpoint());
  // A ping right behind the wrong token, in the same write: never served.
  socket.send(framedAuthenticate("not the token", 1) + framedCall("ping", 2));
  const auto reply = socket.readFrame();
  ASSERT_TRUE(reply);
  const DecodedReply decoded = decodeAuthenticateReply(*reply);
  EXPECT_EQ(decoded.header.seqid, 1);
  EXPECT_TRUE(decoded.authenticationFailed);
  EXPECT_TRUE(socket.closedByPeer());

  EXPECT_THROW(Client(server_->tcpEndpoint(), withToken("not the token")).ping(), AuthenticationError);
  EXPECT_NO_THROW(Client(server_->tcpEndpoint(), withToken(kToken)).ping());  // the server carries on
}

TEST_F(Authentication, RightTokenThenEveryCallIsServedPipelinedOrNot) {
  RawSocket socket(server_->tcpEndpoint());
  socket.send(framedAuthenticate(kToken, 1) + framedCall("ping", 2));
  for (const int seqid : {1, 2}) {
    const auto reply = socket.readFrame();
    ASSERT_TRUE(reply) << seqid;
    const DecodedReply decoded = decodeAuthenticateReply(*reply);
    EXPECT_EQ(decoded.header.seqid, seqid);
    EXPECT_FALSE(decoded.header.isException);
    EXPECT_FALSE(decoded.authenticationFailed);
  }

  Client client(server_->tcpEndpoint(), withToken(kToken));
  client.ping();
  EXPECT_FALSE(client.serverInfo().listeners.empty());
  client.close();
  client.ping();  // a new connection authenticates again
}

TEST_F(Authentication, TheGateReadsTheCompactProtocolToo) {
  ClientOptions compact = withToken(kToken);
  compact.protocol = ClientOptions::Protocol::Compact;
  EXPECT_NO_THROW(Client(server_->tcpEndpoint(), compact).ping());
  compact.token.reset();
  EXPECT_THROW(Client(server_->tcpEndpoint(), compact).ping(), CallError);
  compact.token = "wrong";
  EXPECT_THROW(Client(server_->tcpEndpoint(), compact).ping(), AuthenticationError);
}

TEST_F(Authentication, NonLoopbackListenerServesWithTheToken) {
  const Endpoint anyAddress = anyAddressListener(*server_);
  Endpoint viaLoopback = anyAddress;
  viaLoopback.host = "127.0.0.1";
  EXPECT_NO_THROW(Client(viaLoopback, withToken(kToken)).ping());
  EXPECT_THROW(Client(viaLoopback, withToken(std::nullopt)).ping(), CallError);
  EXPECT_THROW(Client(viaLoopback, withToken("wrong")).ping(), AuthenticationError);
}

TEST_F(Authentication, UnixSocketNeedsNoTokenButRefusesAWrongOne) {
  EXPECT_NO_THROW(Client(server_->unixEndpoint(), withToken(std::nullopt)).ping());
  EXPECT_NO_THROW(Client(server_->unixEndpoint(), withToken(kToken)).ping());
  EXPECT_THROW(Client(server_->unixEndpoint(), withToken("wrong")).ping(), AuthenticationError);
}

TEST_F(Authentication, CliTakesTheTokenFromVitrineTokenOrTokenFile) {
  const std::string address = server_->tcpEndpoint().toString();
  std::string out, err;
  {
    ScopedEnv token("VITRINE_TOKEN", std::string(kToken));
    EXPECT_EQ(runCommand({binDirectory() + "/vitrine", "--address", address, "ping"}, &out, &err), 0) << err;
  }
  {
    ScopedEnv token("VITRINE_TOKEN", std::nullopt);
    EXPECT_EQ(runCommand({binDirectory() + "/vitrine", "--address", address, "ping"}, &out, &err), 1) << err;
    EXPECT_NE(err.find("authentication required"), std::string::npos) << err;

    const std::string file = tokens_->write("cli-token", std::string(kToken) + "\n");
    EXPECT_EQ(runCommand({binDirectory() + "/vitrine", "--address", address, "--token-file", file, "ping"}, &out, &err),
              0)
        << err;

    const std::string wrong = tokens_->write("wrong-token", "not-the-token-42\n");
    EXPECT_EQ(runCommand({binDirectory() + "/vitrine", "--address", address, "--token-file", wrong, "ping"}, &out, &err),
              3)
        << err;
    EXPECT_NE(err.find("refused the token"), std::string::npos) << err;
    EXPECT_EQ(err.find("not-the-token-42"), std::string::npos) << "the token itself is never printed: " << err;
  }
}

// --- start-up checks of --token-file and of where TCP may listen

int startServer(const std::vector<std::string>& args, std::string* err) {
  std::vector<std::string> argv = {binDirectory() + "/vitrine-server", "--amp", "off"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  return runCommand(argv, &out, err);
}

TEST(TokenFileChecks, AFileOthersCanReadOrWriteIsRefused) {
  TempDirectory dir;
  for (const mode_t mode : {0644, 0660, 0602}) {
    std::string err;
    EXPECT_EQ(startServer({"--token-file", dir.write("token", kToken, mode), "--listen", "tcp:127.0.0.1:0"}, &err), 2)
        << err;
    EXPECT_NE(err.find("must be 0600 or stricter"), std::string::npos) << err;
    EXPECT_NE(err.find("chmod 600"), std::string::npos) << err;
  }
}

TEST(TokenFileChecks, EmptyOrMissingIsRefused) {
  TempDirectory dir;
  std::string err;
  EXPECT_EQ(startServer({"--token-file", dir.write("empty", "\n")}, &err), 2) << err;
  EXPECT_NE(err.find("empty"), std::string::npos) << err;
  EXPECT_EQ(startServer({"--token-file", dir.write("empty", "") + ".missing"}, &err), 2) << err;
  EXPECT_NE(err.find("cannot open"), std::string::npos) << err;
}

TEST(TokenFileChecks, NonLoopbackAmpNeedsATokenFileToo) {
  std::string out, err;
  const int code = runCommand({binDirectory() + "/vitrine-server", "--listen", "tcp:127.0.0.1:0", "--amp",
                               "tcp:0.0.0.0:0"},
                              &out, &err);
  EXPECT_EQ(code, 3);
  EXPECT_NE(err.find("only loopback"), std::string::npos) << err;
  EXPECT_NE(err.find("--token-file"), std::string::npos) << err;
}

}  // namespace
}  // namespace vitrine::test
