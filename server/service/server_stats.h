// Counters shared by the transports (which count) and the service (which reports).
#pragma once

#include <chrono>
#include <cstdint>

#include "service/turn_monitor.h"

namespace vitrine {

/// Live counters of the server. Owned by main; written and read on the GUI
/// thread only.
struct ServerStats {
  /// RPC connections open now.
  int connections = 0;
  /// Calls answered since start.
  std::int64_t callsServed = 0;
  /// Bytes of answers written to connections and not yet taken by the kernel, over all connections.
  std::int64_t unsentBytes = 0;
  /// Bytes of pixels held by open picture windows.
  std::int64_t pictureBytes = 0;
  /// The GUI thread's turns (main sets the slow-turn threshold, --slow-turn).
  TurnMonitor turns{std::chrono::milliseconds(50)};
};

}  // namespace vitrine
