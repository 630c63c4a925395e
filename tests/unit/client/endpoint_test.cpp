// Endpoint parsing and printing, and the default addresses (endpoint.h).
#include "vitrine/endpoint.h"

#include <unistd.h>

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "support/scoped_env.h"

namespace vitrine {
namespace {

using test::ScopedEnv;

Endpoint unixEndpoint(std::string path) {
  Endpoint endpoint;
  endpoint.kind = Endpoint::Kind::Unix;
  endpoint.path = std::move(path);
  return endpoint;
}

Endpoint tcpEndpoint(std::string host, std::uint16_t port, Endpoint::Kind kind = Endpoint::Kind::Tcp) {
  Endpoint endpoint;
  endpoint.kind = kind;
  endpoint.host = std::move(host);
  endpoint.port = port;
  return endpoint;
}

Endpoint tlsEndpoint(std::string host, std::uint16_t port) {
  return tcpEndpoint(std::move(host), port, Endpoint::Kind::Tls);
}

// The message of the std::invalid_argument that parse() throws, or a test
// failure if it throws nothing or something else.
std::string parseError(std::string_view text) {
  try {
    Endpoint endpoint = Endpoint::parse(text);
    ADD_FAILURE() << "parsed \"" << text << "\" as " << endpoint.toString();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return {};
}

TEST(EndpointParse, UnixAbsolutePath) {
  EXPECT_EQ(Endpoint::parse("unix:/run/user/1000/vitrine.sock"), unixEndpoint("/run/user/1000/vitrine.sock"));
}

TEST(EndpointParse, UnixRelativePath) {
  EXPECT_EQ(Endpoint::parse("unix:vitrine.sock"), unixEndpoint("vitrine.sock"));
}

TEST(EndpointParse, UnixPathKeepsColonsAndSpaces) {
  EXPECT_EQ(Endpoint::parse("unix:/tmp/a:b c/s"), unixEndpoint("/tmp/a:b c/s"));
}

TEST(EndpointParse, TlsHostAndPort) {
  EXPECT_EQ(Endpoint::parse("tls:kiosk.lan:9443"), tlsEndpoint("kiosk.lan", 9443));
  EXPECT_EQ(Endpoint::parse("tls:[::1]:9443"), tlsEndpoint("::1", 9443));
  EXPECT_TRUE(Endpoint::parse("tls:127.0.0.1:0").isNetwork());
  EXPECT_NE(Endpoint::parse("tls:h:1"), Endpoint::parse("tcp:h:1"));  // the same host and port, another kind
}

TEST(EndpointParse, TcpHostName) {
  EXPECT_EQ(Endpoint::parse("tcp:localhost:9090"), tcpEndpoint("localhost", 9090));
}

TEST(EndpointParse, TcpIpv4) {
  EXPECT_EQ(Endpoint::parse("tcp:127.0.0.1:9090"), tcpEndpoint("127.0.0.1", 9090));
}

TEST(EndpointParse, TcpBracketedIpv6) {
  EXPECT_EQ(Endpoint::parse("tcp:[::1]:9090"), tcpEndpoint("::1", 9090));
  EXPECT_EQ(Endpoint::parse("tcp:[fe80::1%eth0]:80"), tcpEndpoint("fe80::1%eth0", 80));
  EXPECT_EQ(Endpoint::parse("tcp:[2001:db8::42]:65535"), tcpEndpoint("2001:db8::42", 65535));
}

TEST(EndpointParse, TcpPortBounds) {
  EXPECT_EQ(Endpoint::parse("tcp:h:0").port, 0);
  EXPECT_EQ(Endpoint::parse("tcp:h:1").port, 1);
  EXPECT_EQ(Endpoint::parse("tcp:h:65535").port, 65535);
}

TEST(EndpointParse, TcpPortWithLeadingZerosIsDecimal) {
  EXPECT_EQ(Endpoint::parse("tcp:h:0080").port, 80);
  EXPECT_EQ(Endpoint::parse("tcp:h:010").port, 10);  // not octal
}

struct BadAddress {
  const char* text;
  const char* why;  // a fragment the message must contain
};

class EndpointParseRejects : public testing::TestWithParam<BadAddress> {};

TEST_P(EndpointParseRejects, WithMessageQuotingTheInput) {
  const BadAddress& bad = GetParam();
  std::string message = parseError(bad.text);
  EXPECT_NE(message.find("\"" + std::string(bad.text) + "\""), std::string::npos) << message;
  EXPECT_NE(message.find(bad.why), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    BadForms, EndpointParseRejects,
    testing::Values(BadAddress{"", "expected unix:PATH, tcp:HOST:PORT or tls:HOST:PORT"},
                    BadAddress{"vitrine", "expected unix:PATH, tcp:HOST:PORT or tls:HOST:PORT"},
                    BadAddress{"/tmp/vitrine.sock", "did you mean unix:/tmp/vitrine.sock?"},
                    BadAddress{"http://localhost:80", "unknown scheme \"http\""},
                    BadAddress{"UNIX:/tmp/s", "unknown scheme \"UNIX\""},
                    BadAddress{"unix:", "empty socket path"},
                    BadAddress{"tcp:", "missing port"},
                    BadAddress{"tcp:localhost", "missing port"},
                    BadAddress{"tcp:localhost:", "missing port"},
                    BadAddress{"tcp::9090", "empty host"},
                    BadAddress{"tcp:[::1]", "missing port"},
                    BadAddress{"tcp:[::1]:", "missing port"},
                    BadAddress{"tcp:[::1]9090", "expected ':PORT' after ']'"},
                    BadAddress{"tcp:[::1:9090", "missing ']'"},
                    BadAddress{"tcp:[]:9090", "empty host"},
                    BadAddress{"tcp:[[::1]:9090", "unexpected '['"},
                    BadAddress{"tcp:ho]st:9090", "unbalanced"},
                    BadAddress{"tcp:::1:9090", "must be in brackets"},
                    BadAddress{"tcp:localhost:65536", "out of range"},
                    BadAddress{"tcp:localhost:99999999999999999999999", "out of range"},
                    BadAddress{"tcp:localhost:-1", "not a number"},
                    BadAddress{"tcp:localhost:+80", "not a number"},
                    BadAddress{"tcp:localhost: 80", "not a number"},
                    BadAddress{"tcp:localhost:80 ", "not a number"},
                    BadAddress{"tcp:localhost:80x", "not a number"},
                    BadAddress{"tcp:localhost:0x50", "not a number"},
                    BadAddress{"tcp:localhost:http", "not a number"},
                    BadAddress{"tls:", "missing port (expected tls:HOST:PORT)"},
                    BadAddress{"tls::9090", "empty host (expected tls:HOST:PORT)"},
                    BadAddress{"tls:::1:9090", "e.g. tls:[::1]:9090"},
                    BadAddress{"tls:host:65536", "out of range"},
                    BadAddress{"TLS:host:1", "unknown scheme \"TLS\""}),
    // Test names are the case's index: the inputs themselves are not valid identifiers.
    [](const testing::TestParamInfo<BadAddress>& param) { return "case" + std::to_string(param.index); });

TEST(EndpointParse, RejectsNulInUnixPathAndShowsIt) {
  using namespace std::string_view_literals;
  std::string message = parseError("unix:/tmp/a\0b"sv);
  EXPECT_NE(message.find("\"unix:/tmp/a\\x00b\""), std::string::npos) << message;
  EXPECT_NE(message.find("NUL"), std::string::npos) << message;
}

TEST(EndpointParse, ControlCharactersInTheMessageAreEscaped) {
  std::string message = parseError("tcp:host\n:80x");
  EXPECT_NE(message.find("\"tcp:host\\x0a:80x\""), std::string::npos) << message;
}

TEST(EndpointToString, CanonicalForms) {
  EXPECT_EQ(unixEndpoint("/run/vitrine.sock").toString(), "unix:/run/vitrine.sock");
  EXPECT_EQ(tcpEndpoint("localhost", 9090).toString(), "tcp:localhost:9090");
  EXPECT_EQ(tcpEndpoint("::1", 0).toString(), "tcp:[::1]:0");
  EXPECT_EQ(tlsEndpoint("kiosk.lan", 9443).toString(), "tls:kiosk.lan:9443");
  EXPECT_EQ(tlsEndpoint("::1", 9443).toString(), "tls:[::1]:9443");
}

class EndpointRoundTrip : public testing::TestWithParam<const char*> {};

TEST_P(EndpointRoundTrip, ParseOfToStringGivesTheSameEndpoint) {
  Endpoint parsed = Endpoint::parse(GetParam());
  EXPECT_EQ(Endpoint::parse(parsed.toString()), parsed);
}

TEST_P(EndpointRoundTrip, CanonicalTextComesBackUnchanged) {
  Endpoint parsed = Endpoint::parse(GetParam());
  std::string canonical = parsed.toString();
  EXPECT_EQ(Endpoint::parse(canonical).toString(), canonical);
}

INSTANTIATE_TEST_SUITE_P(GoodForms, EndpointRoundTrip,
                         testing::Values("unix:/run/user/1000/vitrine.sock", "unix:rel/s.sock", "unix:/a:b/c",
                                         "tcp:localhost:9090", "tcp:127.0.0.1:0", "tcp:[::1]:9090",
                                         "tcp:[fe80::1%eth0]:65535", "tcp:[localhost]:80", "tcp:h:0080",
                                         "tls:kiosk.lan:9443", "tls:[::1]:0"));

TEST(EndpointRoundTrip, CanonicalInputIsPrintedAsGiven) {
  for (const char* text :
       {"unix:/run/user/1000/vitrine.sock", "tcp:localhost:9090", "tcp:[::1]:9090", "tls:[::1]:9443"}) {
    EXPECT_EQ(Endpoint::parse(text).toString(), text);
  }
}

TEST(DefaultSocketPath, UsesXdgRuntimeDir) {
  ScopedEnv runtimeDir("XDG_RUNTIME_DIR", "/run/user/4242");
  EXPECT_EQ(defaultSocketPath(), "/run/user/4242/vitrine.sock");
}

TEST(DefaultSocketPath, XdgRuntimeDirWithTrailingSlash) {
  ScopedEnv runtimeDir("XDG_RUNTIME_DIR", "/run/user/4242/");
  EXPECT_EQ(defaultSocketPath(), "/run/user/4242/vitrine.sock");
}

TEST(DefaultSocketPath, WithoutXdgRuntimeDirUsesPerUserTmpDir) {
  ScopedEnv runtimeDir("XDG_RUNTIME_DIR", std::nullopt);
  EXPECT_EQ(defaultSocketPath(), "/tmp/vitrine-" + std::to_string(getuid()) + "/vitrine.sock");
}

TEST(DefaultSocketPath, EmptyXdgRuntimeDirCountsAsUnset) {
  ScopedEnv runtimeDir("XDG_RUNTIME_DIR", "");
  EXPECT_EQ(defaultSocketPath(), "/tmp/vitrine-" + std::to_string(getuid()) + "/vitrine.sock");
}

TEST(DefaultEndpoint, ReadsVitrineAddress) {
  ScopedEnv address("VITRINE_ADDRESS", "tcp:[::1]:9999");
  EXPECT_EQ(defaultEndpoint(), tcpEndpoint("::1", 9999));
}

TEST(DefaultEndpoint, WithoutVitrineAddressIsTheDefaultSocket) {
  ScopedEnv address("VITRINE_ADDRESS", std::nullopt);
  ScopedEnv runtimeDir("XDG_RUNTIME_DIR", "/run/user/77");
  EXPECT_EQ(defaultEndpoint(), unixEndpoint("/run/user/77/vitrine.sock"));
}

TEST(DefaultEndpoint, EmptyVitrineAddressCountsAsUnset) {
  ScopedEnv address("VITRINE_ADDRESS", "");
  ScopedEnv runtimeDir("XDG_RUNTIME_DIR", "/run/user/77");
  EXPECT_EQ(defaultEndpoint(), unixEndpoint("/run/user/77/vitrine.sock"));
}

TEST(DefaultEndpoint, MalformedVitrineAddressNamesTheVariable) {
  ScopedEnv address("VITRINE_ADDRESS", "tcp:nowhere");
  try {
    defaultEndpoint();
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("VITRINE_ADDRESS"), std::string::npos) << message;
    EXPECT_NE(message.find("\"tcp:nowhere\""), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace vitrine
