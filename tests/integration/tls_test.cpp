// TLS for remote use, against the real server: tls: listeners with
// certificates made by the openssl command, driven by the C++ client, the
// vitrine CLI and raw sockets that misbehave. A token travels inside TLS;
// with --tls-client-ca the client's certificate is checked; a client that
// does not trust the server refuses it; a peer that does not speak TLS, or
// says nothing, loses its own connection and the server carries on.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/raw_socket.h"
#include "support/scoped_env.h"
#include "support/server_process.h"
#include "support/test_certificates.h"
#include "vitrine/client.h"

namespace vitrine::test {
namespace {

constexpr const char* kToken = "7c1e0b9a4d2f48e6a5b3c0d9e8f7a6b5";

// The server's tls: listener as serverInfo reports it (over the Unix socket),
// addressed at `host` (a listener on 0.0.0.0 is reached on loopback).
Endpoint tlsListener(const ServerProcess& server, const std::string& host = "127.0.0.1") {
  ClientOptions local;
  local.token = std::nullopt;
  for (const std::string& listener : Client(server.unixEndpoint(), local).serverInfo().listeners) {
    if (listener.starts_with("tls:")) {
      Endpoint endpoint = Endpoint::parse(listener);
      endpoint.host = host;
      return endpoint;
    }
  }
  throw std::runtime_error("the server reports no tls: listener");
}

// The same port, spoken to in the clear.
Endpoint plainTcp(Endpoint endpoint) {
  endpoint.kind = Endpoint::Kind::Tcp;
  return endpoint;
}

ClientOptions tlsOptions(const std::string& ca, const std::string& cert = {}, const std::string& key = {}) {
  ClientOptions options;
  options.token = std::nullopt;
  options.callTimeout = std::chrono::seconds(30);
  options.tlsCaFile = ca;
  options.tlsCertFile = cert;
  options.tlsKeyFile = key;
  return options;
}

// The message of the vitrine::Error that connecting and pinging throws, or a failure if none is thrown.
std::string refusal(Client& client) {
  try {
    client.connect();
    client.ping();
    ADD_FAILURE() << "the server answered";
  } catch (const Error& error) {
    return error.what();
  }
  return {};
}

// --- A tls: listener, no token, no client certificates -------------------------------

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certificates_ = std::make_unique<TestCertificates>();
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{
        "--listen", "tls:127.0.0.1:0", "--tls-cert", certificates_->serverCert, "--tls-key", certificates_->serverKey});
    endpoint_ = tlsListener(*server_);
  }
  static void TearDownTestSuite() {
    server_.reset();
    certificates_.reset();
  }
  // A call over TLS still works: the server is alive and serving.
  static void expectServed() {
    Client client(endpoint_, tlsOptions(certificates_->ca));
    EXPECT_NO_THROW(client.ping());
    EXPECT_TRUE(server_->running());
  }

  static inline std::unique_ptr<TestCertificates> certificates_;
  static inline std::unique_ptr<ServerProcess> server_;
  static inline Endpoint endpoint_;
};

TEST_F(Tls, CallsAreServedOverTlsAndAReconnectHandshakesAgain) {
  Client client(endpoint_, tlsOptions(certificates_->ca));
  client.connect();
  EXPECT_TRUE(client.isConnected());
  client.ping();
  // A large request (many records into the frame buffer) and a large answer.
  const std::string html = "<html><body><p>" + std::string(2 << 20, 'x') + "</p></body></html>";
  EXPECT_EQ(client.postHtml("big", html), api::PushResult::OK);
  EXPECT_EQ(client.whatsLoaded(), "big");
  const std::string png = client.screenshot(0);
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  client.close();
  EXPECT_EQ(client.whatsLoaded(), "big");  // a new connection, a new handshake
}

TEST_F(Tls, AHostNameTheCertificateNamesWorksAsWellAsItsAddress) {
  Endpoint byName = endpoint_;
  byName.host = "localhost";
  Client client(byName, tlsOptions(certificates_->ca));
  EXPECT_NO_THROW(client.ping());
}

TEST_F(Tls, AClientThatDoesNotTrustTheServersCaRefusesToConnect) {
  Client client(endpoint_, tlsOptions(certificates_->otherCa));
  try {
    client.connect();
    FAIL() << "connected to a server whose CA it does not trust";
  } catch (const ConnectError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("refused the TLS certificate"), std::string::npos) << message;
    EXPECT_NE(message.find(certificates_->otherCa), std::string::npos) << message;
  }
  EXPECT_FALSE(client.isConnected());
  expectServed();
}

TEST_F(Tls, AServerNameTheCertificateDoesNotCarryIsRefused) {
  ClientOptions options = tlsOptions(certificates_->ca);
  options.tlsServerName = "kiosk.example";
  Client client(endpoint_, options);
  try {
    client.connect();
    FAIL() << "accepted a certificate for another name";
  } catch (const ConnectError& error) {
    EXPECT_NE(std::string(error.what()).find("kiosk.example"), std::string::npos) << error.what();
  }
}

TEST_F(Tls, APlainThriftClientOnTheTlsPortIsClosedAndOthersAreServed) {
  RawSocket raw(plainTcp(endpoint_));
  raw.send(framedCall("ping", 1));
  EXPECT_FALSE(raw.readFrame(std::chrono::seconds(30)));  // no answer: the connection ends
  EXPECT_TRUE(raw.closedByPeer());
  // The library's own client, told tcp: by mistake, gets an error, not a hang.
  ClientOptions plain;
  plain.token = std::nullopt;
  plain.callTimeout = std::chrono::seconds(30);
  Client mistaken(plainTcp(endpoint_), plain);
  EXPECT_THROW(mistaken.ping(), CallError);
  expectServed();
}

TEST_F(Tls, APeerThatSendsNothingIsClosedAfterTheHandshakeDeadline) {
  RawSocket silent(plainTcp(endpoint_));
  // The deadline is StreamSocket::kTlsHandshakeDeadline (10 s); waited for generously.
  EXPECT_TRUE(silent.closedByPeer(std::chrono::seconds(60)));
  expectServed();
}

TEST_F(Tls, HandshakesAndBadPeersNeverHoldTheGuiThreadLong) {
  ClientOptions local;
  local.token = std::nullopt;
  Client observer(server_->unixEndpoint(), local);
  observer.call([](api::VitrineClient& api) { api.resetLongestTurn(); });
  for (int i = 0; i < 20; ++i) {
    Client client(endpoint_, tlsOptions(certificates_->ca));
    client.ping();
  }
  for (int i = 0; i < 5; ++i) {
    RawSocket raw(plainTcp(endpoint_));
    raw.send(std::string(4096, static_cast<char>(0x16)));  // a record header's type, then nonsense
    EXPECT_TRUE(raw.closedByPeer());
  }
  // The server's own measure of its longest GUI-thread turn (not a timing of ours).
  const std::int64_t bound = 500'000 * (std::getenv("VITRINE_SANITIZED") ? 3 : 1);
  const api::ServerInfo info = observer.serverInfo();
  EXPECT_LT(info.longestTurnUs, bound) << info.longestTurnCause;
}

TEST_F(Tls, TheCliSpeaksTlsWithACaFromAFlagOrTheEnvironment) {
  const std::string vitrine = binDirectory() + "/vitrine";
  std::string out, err;
  EXPECT_EQ(runCommand({vitrine, "--address", endpoint_.toString(), "--tls-ca", certificates_->ca, "ping"}, &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("pong"), std::string::npos) << out;
  {
    ScopedEnv ca("VITRINE_TLS_CA", certificates_->ca);
    EXPECT_EQ(runCommand({vitrine, "--address", endpoint_.toString(), "loaded"}, &out, &err), 0) << err;
  }
  // A CA that did not sign the server's certificate: cannot connect (3).
  EXPECT_EQ(runCommand({vitrine, "--address", endpoint_.toString(), "--tls-ca", certificates_->otherCa, "ping"}, &out,
                       &err),
            3);
  EXPECT_NE(err.find("refused the TLS certificate"), std::string::npos) << err;
}

// --- A token, inside TLS ----------------------------------------------------------------

class TlsWithToken : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certificates_ = std::make_unique<TestCertificates>();
    const std::string tokenFile = certificates_->write("token", std::string(kToken) + "\n");
    // Any address: the connections must authenticate.
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{
        "--token-file", tokenFile, "--listen", "tls:0.0.0.0:0", "--tls-cert", certificates_->serverCert, "--tls-key",
        certificates_->serverKey});
    endpoint_ = tlsListener(*server_);
  }
  static void TearDownTestSuite() {
    server_.reset();
    certificates_.reset();
  }
  static ClientOptions withToken(std::optional<std::string> token) {
    ClientOptions options = tlsOptions(certificates_->ca);
    options.token = std::move(token);
    return options;
  }

  static inline std::unique_ptr<TestCertificates> certificates_;
  static inline std::unique_ptr<ServerProcess> server_;
  static inline Endpoint endpoint_;
};

TEST_F(TlsWithToken, TheRightTokenOpensTheConnectionAndIsSentAgainAfterAReconnect) {
  Client client(endpoint_, withToken(kToken));
  client.ping();
  client.close();
  EXPECT_NO_THROW(client.ping());  // authenticated again on the new connection
}

TEST_F(TlsWithToken, AWrongTokenIsRefused) {
  Client client(endpoint_, withToken("not-the-token-at-all"));
  EXPECT_THROW(client.connect(), AuthenticationError);
  EXPECT_FALSE(client.isConnected());
}

TEST_F(TlsWithToken, NoTokenIsAnsweredAuthenticationRequired) {
  Client client(endpoint_, withToken(std::nullopt));
  try {
    client.ping();
    FAIL() << "served without a token";
  } catch (const CallError& error) {
    EXPECT_EQ(error.reason(), CallError::Reason::Application);
    EXPECT_NE(std::string(error.what()).find("authentication required"), std::string::npos) << error.what();
  }
}

// --- Client certificates ----------------------------------------------------------------------

class TlsClientCertificates : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certificates_ = std::make_unique<TestCertificates>();
    // Any address, without a token: the certificate is the authentication.
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{
        "--listen", "tls:0.0.0.0:0", "--tls-cert", certificates_->serverCert, "--tls-key", certificates_->serverKey,
        "--tls-client-ca", certificates_->ca});
    endpoint_ = tlsListener(*server_);
  }
  static void TearDownTestSuite() {
    server_.reset();
    certificates_.reset();
  }

  static inline std::unique_ptr<TestCertificates> certificates_;
  static inline std::unique_ptr<ServerProcess> server_;
  static inline Endpoint endpoint_;
};

TEST_F(TlsClientCertificates, AClientWithACertificateTheCaSignedIsServed) {
  Client client(endpoint_, tlsOptions(certificates_->ca, certificates_->clientCert, certificates_->clientKey));
  EXPECT_NO_THROW(client.ping());
  EXPECT_NO_THROW(client.listWindows());
}

TEST_F(TlsClientCertificates, AClientWithoutACertificateIsRefused) {
  Client client(endpoint_, tlsOptions(certificates_->ca));
  const std::string message = refusal(client);
  EXPECT_NE(message.find("certificate"), std::string::npos) << message;
}

TEST_F(TlsClientCertificates, ACertificateFromAnotherCaIsRefused) {
  Client client(endpoint_, tlsOptions(certificates_->ca, certificates_->strangerCert, certificates_->strangerKey));
  const std::string message = refusal(client);
  EXPECT_NE(message.find("certificate"), std::string::npos) << message;
  // And the right client is served all the same.
  Client right(endpoint_, tlsOptions(certificates_->ca, certificates_->clientCert, certificates_->clientKey));
  EXPECT_NO_THROW(right.ping());
}

TEST_F(TlsClientCertificates, TheCliPresentsItsCertificate) {
  std::string out, err;
  EXPECT_EQ(runCommand({binDirectory() + "/vitrine", "--address", endpoint_.toString(), "--tls-ca", certificates_->ca,
                        "--tls-cert", certificates_->clientCert, "--tls-key", certificates_->clientKey, "ping"},
                       &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("pong"), std::string::npos) << out;
}

// --- Flags the server refuses at start-up -----------------------------------------------------

class TlsFlags : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certificates_ = std::make_unique<TestCertificates>(); }
  static void TearDownTestSuite() { certificates_.reset(); }

  // Runs vitrine-server with `args` after a tls: listener; returns its exit status and sets *err.
  static int serverExit(std::vector<std::string> args, std::string* err) {
    ScopedEnv offscreen("QT_QPA_PLATFORM", "offscreen");
    std::vector<std::string> argv = {binDirectory() + "/vitrine-server", "--amp", "off"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out;
    return runCommand(argv, &out, err);
  }

  static inline std::unique_ptr<TestCertificates> certificates_;
};

TEST_F(TlsFlags, ATlsListenerWithoutAKeyIsUsage) {
  std::string err;
  EXPECT_EQ(serverExit({"--listen", "tls:127.0.0.1:0", "--tls-cert", certificates_->serverCert}, &err), 2);
  EXPECT_NE(err.find("--tls-key"), std::string::npos) << err;
}

TEST_F(TlsFlags, AKeyOthersMayReadIsRefused) {
  std::string err;
  const std::string key = certificates_->write("readable.key", "whatever", 0644);
  EXPECT_EQ(serverExit({"--listen", "tls:127.0.0.1:0", "--tls-cert", certificates_->serverCert, "--tls-key", key}, &err),
            2);
  EXPECT_NE(err.find("0644"), std::string::npos) << err;
  EXPECT_NE(err.find("chmod 600"), std::string::npos) << err;
}

TEST_F(TlsFlags, AKeyThatIsNotTheCertificatesIsRefused) {
  std::string err;
  EXPECT_EQ(serverExit({"--listen", "tls:127.0.0.1:0", "--tls-cert", certificates_->serverCert, "--tls-key",
                        certificates_->otherServerKey},
                       &err),
            2);
  EXPECT_NE(err.find("does not belong to the certificate"), std::string::npos) << err;
}

TEST_F(TlsFlags, AMissingKeyFileIsRefused) {
  std::string err;
  const std::string missing = certificates_->directory() + "/no-such.key";
  EXPECT_EQ(serverExit({"--listen", "tls:127.0.0.1:0", "--tls-cert", certificates_->serverCert, "--tls-key", missing},
                       &err),
            2);
  EXPECT_NE(err.find(missing), std::string::npos) << err;
}

TEST_F(TlsFlags, AClientCaFileWithoutACertificateIsRefused) {
  std::string err;
  EXPECT_EQ(serverExit({"--listen", "tls:127.0.0.1:0", "--tls-cert", certificates_->serverCert, "--tls-key",
                        certificates_->serverKey, "--tls-client-ca", certificates_->serverKey},
                       &err),
            2);
  EXPECT_NE(err.find("--tls-client-ca"), std::string::npos) << err;
}

TEST_F(TlsFlags, TlsFlagsWithoutATlsListenerAreUsage) {
  // Whoever gives them expects TLS: serving clear text instead would be a surprise.
  std::string err;
  EXPECT_EQ(serverExit({"--listen", "tcp:127.0.0.1:0", "--tls-cert", certificates_->serverCert, "--tls-key",
                        certificates_->serverKey},
                       &err),
            2);
  EXPECT_NE(err.find("tls:HOST:PORT"), std::string::npos) << err;
}

TEST_F(TlsFlags, AnyAddressNeedsATokenOrClientCertificates) {
  std::string err;
  EXPECT_EQ(serverExit({"--listen", "tls:0.0.0.0:0", "--tls-cert", certificates_->serverCert, "--tls-key",
                        certificates_->serverKey},
                       &err),
            3);
  EXPECT_NE(err.find("--tls-client-ca"), std::string::npos) << err;
}

}  // namespace
}  // namespace vitrine::test
