// The open windows (other than the stage), by id.
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>
#include <cstdint>
#include <map>
#include <vector>

#include "ui/managed_window.h"
#include "vitrine/api/vitrine_types.h"

namespace vitrine {

class EventLog;

/// Hands out window ids (from 1, never reused), finds windows by id, and
/// turns every window's close into a WINDOW_CLOSED event. A window leaves
/// the registry the moment it closes. Does not own the windows (they delete
/// themselves on close). GUI thread only.
class WindowRegistry : public QObject {
  Q_OBJECT

 public:
  struct Entry {
    std::int64_t id;
    api::WindowKind::type kind;
    QPointer<ManagedWindow> window;
    QString name;
  };

  WindowRegistry(EventLog& events, int maxWindows, QObject* parent = nullptr);

  /// False when maxWindows windows are already open.
  bool hasRoom() const { return static_cast<int>(entries_.size()) < maxWindows_; }
  int maxWindows() const { return maxWindows_; }

  /// Registers `window` and returns its new id. Precondition: hasRoom().
  std::int64_t add(ManagedWindow* window, api::WindowKind::type kind, QString name);

  /// The open window with this id, or nullptr.
  ManagedWindow* find(std::int64_t id) const;
  /// The entry of an open window, or nullptr.
  const Entry* entry(std::int64_t id) const;
  /// Every open window, by id.
  std::vector<const Entry*> entries() const;
  std::size_t size() const { return entries_.size(); }

  /// Closes every open window for `reason` (server shutdown).
  void closeAll(CloseReason reason);

 private:
  EventLog& events_;
  int maxWindows_;
  std::int64_t lastId_ = 0;
  std::map<std::int64_t, Entry> entries_;
};

/// The IDL's name for a UI close reason.
api::CloseReason::type toApi(CloseReason reason);

}  // namespace vitrine
