#include "net/connection_registry.h"

#include <malloc.h>

#include <QMetaObject>
#include <vector>

#include "base/logging.h"
#include "net/connection_shell.h"
#include "service/server_stats.h"

namespace vitrine {

namespace {

constexpr std::chrono::milliseconds kSweepInterval{250};
constexpr std::chrono::seconds kRefusalLogInterval{10};

QString seconds(std::chrono::milliseconds duration) {
  return QString::number(static_cast<double>(duration.count()) / 1000.0, 'g', 4);
}

}  // namespace

ConnectionRegistry::ConnectionRegistry(const ConnectionLimits& limits, ServerStats& stats, QObject* parent)
    : QObject(parent),
      limits_(limits),
      stats_(stats),
      unsent_(&stats.unsentBytes, limits.maxUnsentBytes, [this] {
        // Inside some socket's write: close nothing here, only from the event loop.
        if (shedPosted_) return;
        shedPosted_ = true;
        QMetaObject::invokeMethod(this, &ConnectionRegistry::shedUnsent, Qt::QueuedConnection);
      }) {
  sweepTimer_.setInterval(kSweepInterval);
  connect(&sweepTimer_, &QTimer::timeout, this, &ConnectionRegistry::sweep);
}

ConnectionRegistry::~ConnectionRegistry() = default;

bool ConnectionRegistry::admit(Door door, const QString& clientAddress) {
  const int open = openConnections();
  if (open >= limits_.maxConnections) {
    warnRefused(QStringLiteral("%1 connections are open, the most this server holds (--max-connections)")
                    .arg(limits_.maxConnections));
    return false;
  }
  if (door == Door::Network) {
    if (open >= limits_.maxConnections - limits_.reservedForUnixSocket) {
      warnRefused(QStringLiteral("%1 connections are open; the last %2 of --max-connections %3 are kept for the "
                                 "Unix socket")
                      .arg(open)
                      .arg(limits_.reservedForUnixSocket)
                      .arg(limits_.maxConnections));
      return false;
    }
    const auto found = perClient_.find(clientAddress);
    if (found != perClient_.end() && found->second >= limits_.maxPerClient) {
      warnRefused(QStringLiteral("%1 already has %2 connections open (--max-connections-per-client)")
                      .arg(clientAddress)
                      .arg(limits_.maxPerClient));
      return false;
    }
  }
  return true;
}

void ConnectionRegistry::warnRefused(const QString& reason) {
  Refusals& refusals = refusals_[reason];
  ++refusals.unlogged;
  const auto now = std::chrono::steady_clock::now();
  if (refusals.lastLogged != std::chrono::steady_clock::time_point{} && now - refusals.lastLogged < kRefusalLogInterval) {
    return;
  }
  qCWarning(lcRpc).noquote() << QStringLiteral("closed %1 new connection(s): %2").arg(refusals.unlogged).arg(reason);
  refusals.unlogged = 0;
  refusals.lastLogged = now;
}

void ConnectionRegistry::add(ConnectionShell* connection) {
  connections_.insert(connection);
  if (!connection->clientAddress().isEmpty()) ++perClient_[connection->clientAddress()];
  stats_.connections = openConnections();
  if (!sweepTimer_.isActive()) sweepTimer_.start();
}

void ConnectionRegistry::remove(ConnectionShell* connection) {
  if (connections_.erase(connection) == 0) return;
  if (!connection->clientAddress().isEmpty()) {
    const auto found = perClient_.find(connection->clientAddress());
    if (found != perClient_.end() && --found->second <= 0) perClient_.erase(found);
  }
  stats_.connections = openConnections();
  ++releasesSinceTrim_;
  // The sweep gives the memory back to the system; it runs until that is done.
  if (!sweepTimer_.isActive()) sweepTimer_.start();
}

void ConnectionRegistry::sweep() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::pair<ConnectionShell*, QString>> victims;
  std::map<const ConnectionShell*, Seen> seenNow;  // becomes lastSweep_
  for (ConnectionShell* connection : connections_) {
    if (connection->awaitingAuthentication() && now - connection->connectedAt() > limits_.authTimeout) {
      victims.emplace_back(connection, QStringLiteral("did not authenticate within %1 s (--auth-timeout)")
                                           .arg(seconds(limits_.authTimeout)));
      continue;
    }
    if (const auto since = connection->receivingSince(); since && now - *since > limits_.readTimeout) {
      victims.emplace_back(connection, QStringLiteral("a message begun %1 s ago is still incomplete (--read-timeout)")
                                           .arg(seconds(std::chrono::duration_cast<std::chrono::milliseconds>(now - *since))));
      continue;
    }
    Seen& seen = seenNow[connection];
    seen.activity = connection->activity();
    // Its activity has not moved for a whole interval: idle. Once per idle spell.
    const auto before = lastSweep_.find(connection);
    if (before != lastSweep_.end() && before->second.activity == seen.activity) {
      seen.released = before->second.released;
      if (!seen.released && !connection->receivingSince() && connection->unsentBytes() == 0) {
        connection->releaseIdleMemory();
        seen.released = true;
        ++releasesSinceTrim_;
      }
    }
  }
  // Freed buffers of a megabyte or more often stay in the allocator's heap
  // (glibc raises its mmap threshold after freeing large blocks): hand the
  // free pages back, so the memory of closed connections really goes.
  if (releasesSinceTrim_ > 0 && now - lastTrim_ >= std::chrono::seconds(1)) {
    ::malloc_trim(0);
    lastTrim_ = now;
    releasesSinceTrim_ = 0;
  }
  if (connections_.empty() && releasesSinceTrim_ == 0) sweepTimer_.stop();
  lastSweep_ = std::move(seenNow);
  // Closed outside the loop: a close may run code that touches the set.
  for (auto& [connection, reason] : victims) connection->drop(reason);
}

void ConnectionRegistry::shedUnsent() {
  shedPosted_ = false;
  // One at a time, each from the event loop: closing drops that socket's bytes
  // at once (the ledger goes down), so this ends.
  while (unsent_.total() > unsent_.limit()) {
    ConnectionShell* heaviest = nullptr;
    for (ConnectionShell* connection : connections_) {
      if (connection->unsentBytes() > 0 && (!heaviest || connection->unsentBytes() > heaviest->unsentBytes())) {
        heaviest = connection;
      }
    }
    if (!heaviest) return;
    heaviest->drop(QStringLiteral("holds %1 KiB of answers it does not read, the most of any connection, while all "
                                  "together hold more than %2 KiB, the limit (--max-unsent)")
                       .arg(heaviest->unsentBytes() >> 10)
                       .arg(unsent_.limit() >> 10));
  }
}

}  // namespace vitrine
