// Wrong tokens cost their sender time: a delay that grows per client.
#pragma once

#include <QString>
#include <chrono>
#include <cstdint>
#include <map>

namespace vitrine {

/// Decides when the answer to a wrong token may go out. Each client (a
/// network address) that gives a wrong token waits before hearing so:
/// 100 ms after its first failure, doubling with each further one up to
/// 10 s, and its answers are spaced by that delay even when it tries on
/// many connections at once (one guess per delay, however many sockets).
/// A client forgets its failures after 10 minutes without one, or on a
/// right token. Log lines are one per client per 10 s, with a count.
/// Keeps at most kMaxClients clients (the oldest forgotten first), so a
/// crowd of addresses costs bounded memory. GUI thread only.
class AuthThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  static constexpr std::chrono::milliseconds kFirstDelay{100};
  static constexpr std::chrono::milliseconds kMaxDelay{10000};
  static constexpr std::chrono::minutes kForgetAfter{10};
  static constexpr std::size_t kMaxClients = 4096;

  /// A wrong token from `client` at `now`: how long to wait before answering it.
  std::chrono::milliseconds failed(const QString& client, Clock::time_point now = Clock::now());
  /// A right token from `client`: its failures are forgotten.
  void succeeded(const QString& client) { clients_.erase(client); }

 private:
  struct Failures {
    int count = 0;
    Clock::time_point last;
    /// When the next wrong answer to this client may go out at the earliest.
    Clock::time_point nextAnswer;
    Clock::time_point lastLogged;
    int unlogged = 0;
  };
  void forgetOld(Clock::time_point now);

  std::map<QString, Failures> clients_;
};

}  // namespace vitrine
