// say(): a message with optional action buttons.
#pragma once

#include <QString>
#include <utility>
#include <vector>

#include "ui/managed_window.h"

namespace vitrine {

/// A button of a popup: the key reported when pressed, and its text.
struct PopupAction {
  QString key;
  QString label;
};

/// A small window showing a text (selectable, line breaks kept) and either
/// an OK button or the given action buttons. Pressing an action emits
/// actionInvoked(key) and closes the popup with ActionInvoked; OK, Escape
/// and the close button close it with UserClosed. GUI thread only.
class PopupWindow : public ManagedWindow {
  Q_OBJECT

 public:
  PopupWindow(const QString& text, const QString& title, const std::vector<PopupAction>& actions);

 Q_SIGNALS:
  void actionInvoked(const QString& key);

 protected:
  std::optional<CloseReason> escapeReason() const override { return CloseReason::UserClosed; }
};

}  // namespace vitrine
