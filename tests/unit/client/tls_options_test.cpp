// The client's TLS options: where they come from, and that a file it cannot
// use is a ConnectError naming it, before any connection is tried.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "support/scoped_env.h"
#include "support/temp_directory.h"
#include "vitrine/client.h"

namespace vitrine {
namespace {

using test::ScopedEnv;
using test::TempDirectory;

// The message of the ConnectError that connecting with `options` to a tls: endpoint throws.
std::string connectError(const ClientOptions& options) {
  // Port 9 on loopback: nothing listens, so only an error raised before connecting can name a TLS file.
  Client client(Endpoint::parse("tls:127.0.0.1:9"), options);
  try {
    client.connect();
    ADD_FAILURE() << "connected";
  } catch (const ConnectError& error) {
    return error.what();
  }
  return {};
}

TEST(ClientTlsOptions, DefaultToTheEnvironment) {
  {
    ScopedEnv ca("VITRINE_TLS_CA", "/etc/vitrine/ca.pem");
    ScopedEnv cert("VITRINE_TLS_CERT", "/etc/vitrine/client.pem");
    ScopedEnv key("VITRINE_TLS_KEY", "/etc/vitrine/client.key");
    const ClientOptions options;
    EXPECT_EQ(options.tlsCaFile, "/etc/vitrine/ca.pem");
    EXPECT_EQ(options.tlsCertFile, "/etc/vitrine/client.pem");
    EXPECT_EQ(options.tlsKeyFile, "/etc/vitrine/client.key");
    EXPECT_EQ(options.tlsServerName, "");
  }
  ScopedEnv ca("VITRINE_TLS_CA", std::nullopt);
  ScopedEnv cert("VITRINE_TLS_CERT", "");
  const ClientOptions options;
  EXPECT_EQ(options.tlsCaFile, "");
  EXPECT_EQ(options.tlsCertFile, "");
}

TEST(ClientTlsOptions, AMissingCaFileIsAConnectErrorNamingIt) {
  TempDirectory dir;
  ClientOptions options;
  options.tlsCaFile = dir.file("no-such-ca.pem");
  const std::string message = connectError(options);
  EXPECT_NE(message.find(options.tlsCaFile), std::string::npos) << message;
  EXPECT_NE(message.find("VITRINE_TLS_CA"), std::string::npos) << message;
  EXPECT_NE(message.find("tls:127.0.0.1:9"), std::string::npos) << message;
}

TEST(ClientTlsOptions, AKeyWithoutACertificateIsAConnectError) {
  ClientOptions options;
  options.tlsCaFile.clear();
  options.tlsCertFile.clear();
  options.tlsKeyFile = "/etc/vitrine/client.key";
  const std::string message = connectError(options);
  EXPECT_NE(message.find("without a certificate"), std::string::npos) << message;
}

TEST(ClientTlsOptions, ACertificateFileThatIsNotOneIsAConnectErrorNamingIt) {
  TempDirectory dir;
  const std::string garbage = dir.file("garbage.pem");
  {
    std::FILE* file = std::fopen(garbage.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("not a certificate\n", file);
    std::fclose(file);
  }
  ClientOptions options;
  options.tlsCaFile.clear();
  options.tlsCertFile = garbage;
  options.tlsKeyFile.clear();
  const std::string message = connectError(options);
  EXPECT_NE(message.find(garbage), std::string::npos) << message;
  EXPECT_NE(message.find("--tls-cert"), std::string::npos) << message;
}

}  // namespace
}  // namespace vitrine
