#include "app/monitored_application.h"

#include "service/turn_monitor.h"

namespace vitrine {

MonitoredApplication::MonitoredApplication(int& argc, char** argv, TurnMonitor& monitor)
    : QApplication(argc, argv), monitor_(monitor) {}

bool MonitoredApplication::notify(QObject* receiver, QEvent* event) {
  if (depth_ > 0) return QApplication::notify(receiver, event);
  // Read before delivery: the receiver may delete itself (DeferredDelete).
  const int type = event->type();
  const char* receiverClass = receiver->metaObject()->className();
  ++depth_;
  monitor_.beginTurn();
  bool handled = false;
  try {
    handled = QApplication::notify(receiver, event);
  } catch (...) {
    --depth_;
    throw;
  }
  monitor_.endTurn(type, receiverClass);
  --depth_;
  return handled;
}

void* CallNamer::getContext(const char* functionName, void* /*connectionContext*/) {
  monitor_.noteCall(functionName);
  return nullptr;
}

}  // namespace vitrine
