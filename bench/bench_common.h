// Pieces shared by the benchmark programs (vitrine-bench, vitrine-bench-server):
// Thrift connections the way vitrine's clients make them, and a command line
// of `--key value` pairs. The raw sockets of the byte-moving baseline are the
// tests' (tests/support/raw_socket.h: connectStream, listenStream, writeAll,
// readAll). Benchmark code only: nothing here is used by vitrine itself.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <thrift/transport/TTransport.h>

#include "vitrine/api/Vitrine.h"
#include "vitrine/endpoint.h"

namespace vitrine::bench {

/// The largest frame the benchmark's Thrift transports accept (a 1920x1080
/// RGBA picture is 8 MB; Thrift's default limit is 16 MB, which 4K frames
/// would pass).
inline constexpr int kMaxFrameBytes = 256 << 20;

/// One Thrift connection as vitrine's clients open it: TSocket (Unix or
/// loopback TCP, TCP_NODELAY) under TFramedTransport and TBinaryProtocol,
/// with the generated synchronous client on top. Owns the transport; not
/// thread-safe (one per thread). Closes on destruction.
class ThriftConnection {
 public:
  /// Connects now. Throws apache::thrift::transport::TTransportException
  /// when nothing listens at `endpoint`.
  explicit ThriftConnection(const Endpoint& endpoint);
  ~ThriftConnection();
  ThriftConnection(const ThriftConnection&) = delete;
  ThriftConnection& operator=(const ThriftConnection&) = delete;

  api::VitrineClient& client() { return *client_; }

 private:
  std::shared_ptr<apache::thrift::transport::TTransport> transport_;
  std::unique_ptr<api::VitrineClient> client_;
};

/// `--key value` pairs after the subcommand; a `--flag` followed by another
/// `--flag` (or nothing) has the value "1". Throws std::invalid_argument on
/// a positional word.
class Arguments {
 public:
  Arguments(int argc, char** argv, int first);
  /// The value of `--key`, or `fallback`; throws std::invalid_argument
  /// when there is no value and no fallback.
  std::string text(const std::string& key, const char* fallback = nullptr) const;
  double number(const std::string& key, double fallback) const;
  long long integer(const std::string& key, long long fallback) const;

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace vitrine::bench
