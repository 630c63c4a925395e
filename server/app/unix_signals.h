// SIGINT/SIGTERM delivered as a Qt signal on the GUI thread.
#pragma once

#include <QObject>

class QSocketNotifier;

namespace vitrine {

/// Catches SIGINT and SIGTERM (self-pipe trick: the handler only writes one
/// byte) and emits received() from the event loop, where it is safe to shut
/// down. Create one, after the QCoreApplication. GUI thread only.
class UnixSignals : public QObject {
  Q_OBJECT

 public:
  explicit UnixSignals(QObject* parent = nullptr);
  ~UnixSignals() override;

 Q_SIGNALS:
  /// `signalNumber` is SIGINT or SIGTERM.
  void received(int signalNumber);

 private:
  QSocketNotifier* notifier_;
};

}  // namespace vitrine
