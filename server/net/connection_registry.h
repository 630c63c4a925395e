// Every connection the server holds, over all listeners and protocols: who
// may come in, how long a half-sent message may take, and how many unread
// answer bytes all of them together may hold.
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>

#include "net/unsent_ledger.h"

namespace vitrine {

class ConnectionShell;
struct ServerStats;

/// Budgets over all connections, fixed at start-up (flags of vitrine-server).
struct ConnectionLimits {
  /// Most connections held at once, Thrift and AMP together (--max-connections).
  int maxConnections = 1024;
  /// Of maxConnections, how many only the owner's Unix socket may fill: a
  /// crowd on the TCP ports never locks the owner out.
  int reservedForUnixSocket = 32;
  /// Most connections from one network address (--max-connections-per-client).
  int maxPerClient = 256;
  /// A message (Thrift frame, AMP box) that has begun must be complete
  /// within this (--read-timeout); an idle connection may stay for ever.
  std::chrono::milliseconds readTimeout{20000};
  /// A connection that must authenticate must do so within this (--auth-timeout).
  std::chrono::milliseconds authTimeout{10000};
  /// Most answer bytes waiting to be read over all connections (--max-unsent).
  std::int64_t maxUnsentBytes = std::int64_t{256} << 20;
};

/// Admits connections and watches them all.
///
/// - admit(): a connection is refused when maxConnections are open, when only
///   the reserve is left and it did not come through the Unix socket, or when
///   its network address already has maxPerClient. Refusals are logged at
///   most every 10 s per reason, with a count.
/// - Every 250 ms the connections are swept: one whose message has been
///   arriving for longer than readTimeout, or that has not authenticated
///   within authTimeout, is closed with a log line; one that has been idle
///   for a sweep gives back the memory it keeps for the next call
///   (ConnectionShell::releaseIdleMemory); when connections have closed or
///   given memory back, the allocator is asked to return its free pages to
///   the system (malloc_trim), at most once a second.
/// - The UnsentLedger counts the bytes every socket still has to send; when
///   the total passes maxUnsentBytes, the connection holding the most is
///   closed (from the event loop, never inside another connection's write).
///
/// Connections register themselves (ConnectionShell does). Owned by main,
/// outlives every listener and connection. GUI thread only.
class ConnectionRegistry : public QObject {
  Q_OBJECT

 public:
  /// How a connection came in.
  enum class Door {
    UnixSocket,  ///< the owner's socket (mode 0600): may use the reserve
    Network,     ///< TCP or TLS: counted per address
  };

  ConnectionRegistry(const ConnectionLimits& limits, ServerStats& stats, QObject* parent = nullptr);
  ~ConnectionRegistry() override;

  /// Whether one more connection through `door` from `clientAddress` (the
  /// peer's IP address; empty for the Unix socket) may be served. False:
  /// the caller closes it at once. Logs refusals (rate-limited).
  bool admit(Door door, const QString& clientAddress);

  void add(ConnectionShell* connection);
  void remove(ConnectionShell* connection);

  /// Where the sockets count their unsent bytes.
  UnsentLedger& unsent() { return unsent_; }
  const ConnectionLimits& limits() const { return limits_; }
  int openConnections() const { return static_cast<int>(connections_.size()); }

 private:
  void sweep();
  /// Closes the connection holding the most unsent bytes while the total is over the budget.
  void shedUnsent();
  void warnRefused(const QString& reason);

  ConnectionLimits limits_;
  ServerStats& stats_;
  UnsentLedger unsent_;
  std::set<ConnectionShell*> connections_;
  /// Open connections per network address.
  std::map<QString, int> perClient_;
  QTimer sweepTimer_;
  /// Each connection's activity() at the last sweep, and whether it has
  /// given its memory back since that activity.
  struct Seen {
    quint64 activity = 0;
    bool released = false;
  };
  std::map<const ConnectionShell*, Seen> lastSweep_;
  bool shedPosted_ = false;
  /// Connections closed or made to release memory since the allocator last returned free pages.
  int releasesSinceTrim_ = 0;
  std::chrono::steady_clock::time_point lastTrim_{};
  /// Refusals not yet logged, by reason, and when each reason was last logged.
  struct Refusals {
    quint64 unlogged = 0;
    std::chrono::steady_clock::time_point lastLogged{};
  };
  std::map<QString, Refusals> refusals_;
};

}  // namespace vitrine
