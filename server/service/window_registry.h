// The open windows (other than the stage), by id.
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "ui/managed_window.h"
#include "vitrine/api/vitrine_types.h"

namespace vitrine {

class EventLog;

/// Hands out window ids (from 1, never reused), finds windows by id, and
/// turns every window's opening into a WINDOW_OPENED event and its close
/// into a WINDOW_CLOSED event. A window leaves
/// the registry the moment it closes. Counts the windows of each client
/// (Caller::clientKey) so that no one client takes what all share.
/// Does not own the windows (they delete themselves on close). GUI thread only.
class WindowRegistry : public QObject {
  Q_OBJECT

 public:
  struct Entry {
    std::int64_t id;
    api::WindowKind::type kind;
    QPointer<ManagedWindow> window;
    QString name;
    /// The client that opened it.
    QString client;
  };

  WindowRegistry(EventLog& events, int maxWindows, int maxWindowsPerClient, QObject* parent = nullptr);

  /// Why `client` may not open one more window (maxWindows open, or
  /// maxWindowsPerClient of them its own), naming the flag; nullopt when it may.
  std::optional<QString> whyNoRoom(const QString& client) const;

  /// Registers `window`, opened by `client`, and returns its new id.
  /// Precondition: !whyNoRoom(client).
  std::int64_t add(ManagedWindow* window, api::WindowKind::type kind, QString name, QString client);

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
  int maxWindowsPerClient_;
  std::int64_t lastId_ = 0;
  std::map<std::int64_t, Entry> entries_;
  /// Open windows per client.
  std::map<QString, int> perClient_;
};

/// The IDL's name for a UI close reason.
api::CloseReason::type toApi(CloseReason reason);

}  // namespace vitrine
