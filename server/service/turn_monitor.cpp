#include "service/turn_monitor.h"

#include <QEvent>
#include <QMetaEnum>
#include <QStringList>

#include "base/logging.h"

namespace vitrine {

void TurnMonitor::resetLongest() {
  longest_ = std::chrono::microseconds{0};
  longestCause_.clear();
}

QString TurnMonitor::describe(int eventType, const char* receiverClass) const {
  if (callCount_ == 0) {
    const char* type = QMetaEnum::fromType<QEvent::Type>().valueToKey(eventType);
    return QStringLiteral("no call: %1 event for a %2")
        .arg(type ? QString::fromLatin1(type) : QString::number(eventType), QString::fromLatin1(receiverClass));
  }
  QStringList names;
  for (std::size_t i = 0; i < std::min(callCount_, calls_.size()); ++i) names << QString::fromLatin1(calls_[i]);
  QString cause = names.join(QStringLiteral(", "));
  if (callCount_ > calls_.size()) cause += QStringLiteral(" and %1 more calls").arg(callCount_ - calls_.size());
  return cause;
}

void TurnMonitor::record(std::chrono::microseconds took, int eventType, const char* receiverClass) {
  const QString cause = describe(eventType, receiverClass);
  if (took > longest_) {
    longest_ = took;
    longestCause_ = cause;
  }
  if (took <= slowTurn_) return;
  ++slowTurns_;
  const Clock::time_point now = Clock::now();
  if (now - lastLogged_ < std::chrono::seconds(1)) {
    ++unloggedSlowTurns_;
    return;
  }
  QString line = QStringLiteral("the GUI thread was busy %1 ms at a stretch (every client waited): %2")
                     .arg(static_cast<double>(took.count()) / 1000.0, 0, 'f', 1)
                     .arg(cause);
  if (unloggedSlowTurns_ > 0) line += QStringLiteral(" (and %1 slow turns not logged)").arg(unloggedSlowTurns_);
  qCWarning(lcServer).noquote() << line;
  lastLogged_ = now;
  unloggedSlowTurns_ = 0;
}

}  // namespace vitrine
