// Where a vitrine server listens: a Unix socket path, or a TCP host and port
// spoken in the clear (tcp:) or inside TLS (tls:).
// Shared by the server (to parse --listen) and the clients (to connect), so
// both spell and default addresses the same way. Qt-free.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vitrine {

/// A parsed listen/connect address.
/// Written as `unix:/path/to/socket`, `tcp:HOST:PORT` or `tls:HOST:PORT`
/// (HOST may be a bracketed IPv6 literal, `tcp:[::1]:9090`). A value type;
/// any thread.
struct Endpoint {
  /// Unix: a Unix socket. Tcp: TCP in the clear. Tls: TCP carrying TLS
  /// (the server presents a certificate; see docs/security.md).
  enum class Kind { Unix, Tcp, Tls };

  Kind kind = Kind::Unix;
  /// Socket path (Kind::Unix); absolute or relative, never empty.
  std::string path;
  /// Host name or address literal without brackets (Kind::Tcp, Kind::Tls).
  std::string host;
  /// Port (Kind::Tcp, Kind::Tls); 0 asks a server for any free port.
  std::uint16_t port = 0;

  /// True for the kinds that have a host and a port (Tcp, Tls).
  bool isNetwork() const { return kind != Kind::Unix; }

  /// Parses `unix:PATH`, `tcp:HOST:PORT` or `tls:HOST:PORT`.
  /// Throws std::invalid_argument with a message that quotes the text and
  /// says what was expected (unknown scheme, empty path, missing or
  /// non-numeric or out-of-range port, empty host).
  static Endpoint parse(std::string_view text);

  /// The canonical text form, which parse() reads back unchanged
  /// (IPv6 hosts are bracketed).
  std::string toString() const;

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

/// The server's default Unix socket path: `$XDG_RUNTIME_DIR/vitrine.sock`
/// when XDG_RUNTIME_DIR is set and non-empty, else
/// `/tmp/vitrine-UID/vitrine.sock` (the directory is private to the user;
/// the server creates it with mode 0700). Does not touch the file system.
std::string defaultSocketPath();

/// The address clients use when none is given: `$VITRINE_ADDRESS` when set
/// and non-empty (parsed; throws std::invalid_argument if malformed), else
/// `unix:` + defaultSocketPath().
Endpoint defaultEndpoint();

}  // namespace vitrine
