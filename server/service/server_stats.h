// Counters shared by the transports (which count) and the service (which reports).
#pragma once

#include <cstdint>

namespace vitrine {

/// Live counters of the server. Owned by main; written and read on the GUI
/// thread only.
struct ServerStats {
  /// RPC connections open now.
  int connections = 0;
  /// Calls answered since start.
  std::int64_t callsServed = 0;
};

}  // namespace vitrine
