#include "service/window_registry.h"

#include "service/event_log.h"

namespace vitrine {

api::CloseReason::type toApi(CloseReason reason) {
  switch (reason) {
    case CloseReason::UserClosed:
      return api::CloseReason::USER_CLOSED;
    case CloseReason::Canceled:
      return api::CloseReason::CANCELED;
    case CloseReason::ClosedByClient:
      return api::CloseReason::CLOSED_BY_CLIENT;
    case CloseReason::TimedOut:
      return api::CloseReason::TIMED_OUT;
    case CloseReason::Answered:
      return api::CloseReason::ANSWERED;
    case CloseReason::ActionInvoked:
      return api::CloseReason::ACTION_INVOKED;
    case CloseReason::ClientDisconnected:
      return api::CloseReason::CLIENT_DISCONNECTED;
    case CloseReason::ServerStopping:
      return api::CloseReason::SERVER_STOPPING;
  }
  return api::CloseReason::USER_CLOSED;
}

WindowRegistry::WindowRegistry(EventLog& events, int maxWindows, int maxWindowsPerClient, QObject* parent)
    : QObject(parent), events_(events), maxWindows_(maxWindows), maxWindowsPerClient_(maxWindowsPerClient) {}

std::optional<QString> WindowRegistry::whyNoRoom(const QString& client) const {
  if (static_cast<int>(entries_.size()) >= maxWindows_) {
    return QStringLiteral("%1 windows are open, the limit (--max-windows); close some first").arg(maxWindows_);
  }
  const auto found = perClient_.find(client);
  if (found != perClient_.end() && found->second >= maxWindowsPerClient_) {
    return QStringLiteral("this client has %1 windows open, its share (--max-windows-per-client); close some first")
        .arg(maxWindowsPerClient_);
  }
  return std::nullopt;
}

std::int64_t WindowRegistry::add(ManagedWindow* window, api::WindowKind::type kind, QString name, QString client) {
  const std::int64_t id = ++lastId_;
  ++perClient_[client];
  api::Event opened;
  opened.kind = api::EventKind::WINDOW_OPENED;
  opened.windowId = id;
  opened.__set_windowKind(kind);
  opened.__set_name(name.toStdString());
  entries_.emplace(id, Entry{id, kind, window, std::move(name), std::move(client)});
  events_.append(std::move(opened));
  connect(window, &ManagedWindow::windowClosed, this, [this, id](CloseReason reason) {
    if (const auto found = entries_.find(id); found != entries_.end()) {
      const auto count = perClient_.find(found->second.client);
      if (count != perClient_.end() && --count->second <= 0) perClient_.erase(count);
      entries_.erase(found);
    }
    api::Event event;
    event.kind = api::EventKind::WINDOW_CLOSED;
    event.windowId = id;
    event.__set_closeReason(toApi(reason));
    events_.append(std::move(event));
  });
  return id;
}

ManagedWindow* WindowRegistry::find(std::int64_t id) const {
  const Entry* found = entry(id);
  return found ? found->window.data() : nullptr;
}

const WindowRegistry::Entry* WindowRegistry::entry(std::int64_t id) const {
  const auto found = entries_.find(id);
  if (found == entries_.end() || !found->second.window || found->second.window->isClosing()) return nullptr;
  return &found->second;
}

std::vector<const WindowRegistry::Entry*> WindowRegistry::entries() const {
  std::vector<const Entry*> out;
  for (const auto& [id, entry] : entries_) {
    if (entry.window && !entry.window->isClosing()) out.push_back(&entry);
  }
  return out;
}

void WindowRegistry::closeAll(CloseReason reason) {
  std::vector<QPointer<ManagedWindow>> open;
  for (const auto& [id, entry] : entries_) open.push_back(entry.window);
  for (const QPointer<ManagedWindow>& window : open) {
    if (window) window->closeFor(reason);
  }
}

}  // namespace vitrine
