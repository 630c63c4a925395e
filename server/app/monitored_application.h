// The server's QApplication: every event it delivers is timed by a TurnMonitor.
#pragma once

#include <thrift/TProcessor.h>

#include <QApplication>

namespace vitrine {

class TurnMonitor;

/// QApplication whose notify() times each outermost event with `monitor`
/// (which must outlive it). Nested deliveries (sendEvent from inside an
/// event) belong to the turn that started them. GUI thread only.
class MonitoredApplication : public QApplication {
 public:
  MonitoredApplication(int& argc, char** argv, TurnMonitor& monitor);

  bool notify(QObject* receiver, QEvent* event) override;

 private:
  TurnMonitor& monitor_;
  int depth_ = 0;
};

/// Tells a TurnMonitor the name of every call a Thrift processor dispatches
/// (every transport goes through the processor, so all are seen). Set it on
/// the processor with setEventHandler(). GUI thread only.
class CallNamer : public apache::thrift::TProcessorEventHandler {
 public:
  explicit CallNamer(TurnMonitor& monitor) : monitor_(monitor) {}
  void* getContext(const char* functionName, void* connectionContext) override;

 private:
  TurnMonitor& monitor_;
};

}  // namespace vitrine
