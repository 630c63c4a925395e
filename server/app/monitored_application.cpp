#include "app/monitored_application.h"

#include "service/turn_monitor.h"

namespace vitrine {

namespace {

// The class name of `receiver`, for the turn's description. UBSan's vptr
// check is off here: some receivers are QtWebEngine's own objects, built
// (like Chromium) without RTTI, whose vtables UBSan cannot recognise; the
// virtual call is the one Qt itself makes on every event.
__attribute__((no_sanitize("vptr"))) const char* classNameOf(const QObject* receiver) {
  return receiver->metaObject()->className();
}

}  // namespace

MonitoredApplication::MonitoredApplication(int& argc, char** argv, TurnMonitor& monitor)
    : QApplication(argc, argv), monitor_(monitor) {}

bool MonitoredApplication::notify(QObject* receiver, QEvent* event) {
  if (depth_ > 0) return QApplication::notify(receiver, event);
  // Read before delivery: the receiver may delete itself (DeferredDelete).
  const int type = event->type();
  const char* receiverClass = classNameOf(receiver);
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
