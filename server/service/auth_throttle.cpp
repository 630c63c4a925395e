#include "service/auth_throttle.h"

#include <algorithm>

#include "base/logging.h"

namespace vitrine {

void AuthThrottle::forgetOld(Clock::time_point now) {
  std::erase_if(clients_, [now](const auto& entry) { return now - entry.second.last > kForgetAfter; });
  while (clients_.size() >= kMaxClients) {
    const auto oldest = std::min_element(clients_.begin(), clients_.end(),
                                         [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
    clients_.erase(oldest);
  }
}

std::chrono::milliseconds AuthThrottle::failed(const QString& client, Clock::time_point now) {
  auto found = clients_.find(client);
  if (found == clients_.end()) {
    forgetOld(now);
    found = clients_.emplace(client, Failures{}).first;
  }
  Failures& failures = found->second;
  if (now - failures.last > kForgetAfter) failures = Failures{};
  ++failures.count;
  failures.last = now;
  // 100 ms, 200 ms, 400 ms... up to 10 s.
  const int doublings = std::min(failures.count - 1, 16);
  const auto delay = std::min<std::chrono::milliseconds>(kFirstDelay * (1LL << doublings), kMaxDelay);
  // One answer per delay, however many connections this client guesses on.
  const Clock::time_point answerAt = std::max(now, failures.nextAnswer) + delay;
  failures.nextAnswer = answerAt;

  ++failures.unlogged;
  if (failures.lastLogged == Clock::time_point{} || now - failures.lastLogged >= std::chrono::seconds(10)) {
    qCWarning(lcService).noquote() << QStringLiteral("wrong token from %1 (%2 in a row, %3 since the last line); "
                                                     "its answers now wait %4 ms")
                                          .arg(client)
                                          .arg(failures.count)
                                          .arg(failures.unlogged)
                                          .arg(delay.count());
    failures.lastLogged = now;
    failures.unlogged = 0;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(answerAt - now);
}

}  // namespace vitrine
