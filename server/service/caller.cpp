#include "service/caller.h"

#include <QObject>

namespace vitrine {

namespace {
// GUI thread only, like everything that reads it.
QObject* current = nullptr;
}  // namespace

QObject* currentCaller() {
  return current;
}

CallerScope::CallerScope(QObject* caller) : previous_(current) {
  current = caller;
}

CallerScope::~CallerScope() {
  current = previous_;
}

}  // namespace vitrine
