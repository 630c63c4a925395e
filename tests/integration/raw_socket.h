// Byte-level access to the server for tests that must misbehave on purpose.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "vitrine/endpoint.h"

namespace vitrine::testing {

/// A blocking client socket with deadlines on every read. Closes on destruction.
class RawSocket {
 public:
  explicit RawSocket(const Endpoint& endpoint);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  /// Writes all of `bytes` in one write(2) call where the kernel allows.
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
ReplyHeader parseReplyHeader(const std::string& payload);

}  // namespace vitrine::testing
