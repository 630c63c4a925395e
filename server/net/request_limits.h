// The limits a Thrift connection enforces on what a peer sends.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vitrine {

/// Per-connection limits, fixed at start-up (flags of vitrine-server).
struct RequestLimits {
  /// Largest frame payload accepted (--max-frame). Larger: connection closed.
  std::uint32_t maxFrameBytes = 64u << 20;
  /// Largest number of elements in one list/set/map; also never more than
  /// the frame's length, since every element takes at least one byte.
  std::int32_t maxContainerElements = 1 << 20;
  /// Complete frames queued behind the call in flight before the connection
  /// stops being read (backpressure).
  std::size_t maxQueuedFrames = 64;
  /// Bytes of queued frames after which the connection stops being read.
  std::size_t maxQueuedBytes = 16u << 20;
  /// Unsent reply bytes after which queued calls wait for the peer to read:
  /// one connection's share of --max-unsent.
  std::size_t maxUnsentReplyBytes = 16u << 20;
  /// Largest frame a connection that must authenticate may send before it
  /// has: an authenticate call (the token is at most 4 KiB) and no more, so a
  /// peer nobody knows cannot make the server set memory aside.
  std::uint32_t maxUnauthenticatedFrameBytes = 8u << 10;
};

}  // namespace vitrine
