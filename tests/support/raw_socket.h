// Byte-level sockets: for tests that must misbehave on purpose, and for the
// benchmark's raw-socket baseline (bench/).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "vitrine/endpoint.h"

namespace vitrine::test {

/// A blocking stream socket connected to `endpoint` (unix: or tcp:, the
/// host resolved; TCP_NODELAY on TCP, so each write goes out at once).
/// The caller owns the descriptor (close-on-exec). Throws
/// std::runtime_error naming the address when the connect fails.
int connectStream(const Endpoint& endpoint);

/// A listening stream socket at `endpoint` (a Unix socket path that exists
/// is replaced; TCP port 0 picks a free port), backlog 128. Returns the
/// descriptor (the caller owns it) and stores in `bound` the address really
/// bound, its port filled in. Throws std::runtime_error when it cannot listen.
int listenStream(const Endpoint& endpoint, std::string& bound);

/// Sends all `size` bytes, blocking as needed; throws std::runtime_error on
/// an error (a closed peer is EPIPE, never SIGPIPE).
void writeAll(int fd, const void* data, std::size_t size);
/// Reads exactly `size` bytes, blocking as needed. Returns false on end of
/// file before the first byte; throws std::runtime_error on an error or on
/// end of file in the middle.
bool readAll(int fd, void* data, std::size_t size);

/// A blocking client socket with a deadline on every read, for tests that
/// speak Thrift's framing by hand. Owns the descriptor; closes it on
/// destruction. Throws std::runtime_error when it cannot connect. One
/// thread at a time.
class RawSocket {
 public:
  explicit RawSocket(const Endpoint& endpoint);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  /// Writes all of `bytes` (in one send(2) where the kernel allows); throws
  /// std::runtime_error when the connection is broken.
  void send(const std::string& bytes);
  /// Reads one whole frame's payload, or nullopt on EOF/deadline.
  std::optional<std::string> readFrame(std::chrono::milliseconds deadline = std::chrono::seconds(30));
  /// True when the server closed the connection within `deadline` (EOF or reset).
  bool closedByPeer(std::chrono::milliseconds deadline = std::chrono::seconds(30));
  /// Reads and drops whatever the server sends until it closes the
  /// connection (true) or `deadline` passes (false).
  bool drainUntilClosed(std::chrono::milliseconds deadline = std::chrono::seconds(30));
  /// Writes what the kernel takes now without waiting; false when the
  /// connection is broken (the server closed it).
  bool trySend(const std::string& bytes);

 private:
  bool readExactly(char* into, std::size_t size, std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
};

/// A framed binary-protocol call of `method` with no arguments (or with the
/// pre-serialised argument struct `args`), sequence id `seqid`.
std::string framedCall(const std::string& method, int seqid, const std::string& args = std::string(1, '\0'));

/// The method name and sequence id of a reply payload, and whether it is an exception.
struct ReplyHeader {
  std::string method;
  int seqid = 0;
  bool isException = false;
};
/// Reads the message header of a binary-protocol reply payload (a frame
/// without its length); throws Thrift's TProtocolException when it is not one.
ReplyHeader parseReplyHeader(const std::string& payload);

}  // namespace vitrine::test
