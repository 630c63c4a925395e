// Parsing and printing of vitrine addresses (see endpoint.h).
#include "vitrine/endpoint.h"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <stdexcept>

namespace vitrine {

namespace {

constexpr std::string_view kUnixScheme = "unix:";
constexpr std::string_view kTcpScheme = "tcp:";
constexpr std::string_view kTlsScheme = "tls:";
constexpr std::string_view kExpectedForms = "expected unix:PATH, tcp:HOST:PORT or tls:HOST:PORT";

// `text` fit to quote in a one-line message: control characters become
// \xNN, since a NUL would end the message early and a newline would split it.
std::string printable(std::string_view text) {
  std::string result;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      constexpr char kHex[] = "0123456789abcdef";
      result += {'\\', 'x', kHex[c >> 4], kHex[c & 0xf]};
    } else {
      result += static_cast<char>(c);
    }
  }
  return result;
}

// Every parse error names the text as given, so a typo in a long command
// line or in VITRINE_ADDRESS can be found without guessing which value it was.
[[noreturn]] void fail(std::string_view text, std::string_view why) {
  throw std::invalid_argument("invalid address \"" + printable(text) + "\": " + std::string(why));
}

std::uint16_t parsePort(std::string_view text, std::string_view scheme, std::string_view port) {
  if (port.empty()) {
    fail(text, "missing port (expected " + std::string(scheme) + "HOST:PORT)");
  }
  // from_chars alone would accept a leading '-' for signed types and stop
  // at the first non-digit; checking every character first keeps "80x",
  // "+80" and " 80" out.
  for (char c : port) {
    if (c < '0' || c > '9') {
      fail(text, "port \"" + printable(port) + "\" is not a number from 0 to 65535");
    }
  }
  unsigned long value = 0;
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (error != std::errc() || end != port.data() + port.size() || value > 65535) {
    fail(text, "port " + std::string(port) + " is out of range (0 to 65535)");
  }
  return static_cast<std::uint16_t>(value);
}

// The HOST:PORT after `scheme` (tcp: or tls:), for an endpoint of `kind`.
Endpoint parseHostPort(std::string_view text, std::string_view scheme, Endpoint::Kind kind) {
  const std::string expected = "(expected " + std::string(scheme);
  const std::string_view rest = text.substr(scheme.size());
  Endpoint endpoint;
  endpoint.kind = kind;
  std::string_view host;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    // Bracketed IPv6 literal: the colons inside the brackets are not the
    // port separator.
    auto close = rest.find(']');
    if (close == std::string_view::npos) {
      fail(text, "missing ']' after IPv6 address");
    }
    host = rest.substr(1, close - 1);
    if (host.empty()) {
      fail(text, "empty host between '[' and ']'");
    }
    if (host.find('[') != std::string_view::npos) {
      fail(text, "unexpected '[' in host");
    }
    std::string_view after = rest.substr(close + 1);
    if (after.empty()) {
      fail(text, "missing port " + expected + "[HOST]:PORT)");
    }
    if (after.front() != ':') {
      fail(text, "expected ':PORT' after ']'");
    }
    port = after.substr(1);
  } else {
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      fail(text, "missing port " + expected + "HOST:PORT)");
    }
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.empty()) {
      fail(text, "empty host " + expected + "HOST:PORT)");
    }
    if (host.find(':') != std::string_view::npos) {
      fail(text, "an IPv6 address must be in brackets, e.g. " + std::string(scheme) + "[::1]:9090");
    }
    if (host.find_first_of("[]") != std::string_view::npos) {
      fail(text, "unbalanced '[' or ']' in host");
    }
  }
  endpoint.host = std::string(host);
  endpoint.port = parsePort(text, scheme, port);
  return endpoint;
}

}  // namespace

Endpoint Endpoint::parse(std::string_view text) {
  if (text.starts_with(kUnixScheme)) {
    std::string_view path = text.substr(kUnixScheme.size());
    if (path.empty()) {
      fail(text, "empty socket path (expected unix:PATH)");
    }
    // A NUL would silently cut the path short when it reaches the kernel.
    if (path.find('\0') != std::string_view::npos) {
      fail(text, "socket path contains a NUL character");
    }
    Endpoint endpoint;
    endpoint.kind = Kind::Unix;
    endpoint.path = std::string(path);
    return endpoint;
  }
  if (text.starts_with(kTcpScheme)) {
    return parseHostPort(text, kTcpScheme, Kind::Tcp);
  }
  if (text.starts_with(kTlsScheme)) {
    return parseHostPort(text, kTlsScheme, Kind::Tls);
  }
  if (text.empty()) {
    fail(text, kExpectedForms);
  }
  if (text.front() == '/') {
    fail(text, std::string(kExpectedForms) + " (did you mean unix:" + printable(text) + "?)");
  }
  auto colon = text.find(':');
  if (colon != std::string_view::npos) {
    fail(text, "unknown scheme \"" + printable(text.substr(0, colon)) + "\", " +
                   std::string(kExpectedForms));
  }
  fail(text, kExpectedForms);
}

std::string Endpoint::toString() const {
  if (kind == Kind::Unix) {
    return std::string(kUnixScheme) + path;
  }
  std::string text(kind == Kind::Tls ? kTlsScheme : kTcpScheme);
  if (host.find(':') != std::string::npos) {
    text += '[' + host + ']';
  } else {
    text += host;
  }
  text += ':' + std::to_string(port);
  return text;
}

std::string defaultSocketPath() {
  const char* runtimeDir = std::getenv("XDG_RUNTIME_DIR");
  if (runtimeDir != nullptr && *runtimeDir != '\0') {
    std::string path(runtimeDir);
    if (path.back() != '/') {
      path += '/';
    }
    return path + "vitrine.sock";
  }
  // Without a per-user runtime directory, a per-user directory in /tmp keeps
  // two users' servers (and their sockets) apart.
  return "/tmp/vitrine-" + std::to_string(getuid()) + "/vitrine.sock";
}

Endpoint defaultEndpoint() {
  const char* address = std::getenv("VITRINE_ADDRESS");
  if (address != nullptr && *address != '\0') {
    try {
      return Endpoint::parse(address);
    } catch (const std::invalid_argument& error) {
      throw std::invalid_argument(std::string("VITRINE_ADDRESS: ") + error.what());
    }
  }
  Endpoint endpoint;
  endpoint.kind = Endpoint::Kind::Unix;
  endpoint.path = defaultSocketPath();
  return endpoint;
}

}  // namespace vitrine
