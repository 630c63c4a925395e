// say(): a message with optional action buttons.
#pragma once

#include <QString>
#include <utility>
#include <vector>

#include "ui/managed_window.h"

class QPushButton;

namespace vitrine {

/// A button of a popup: the key reported when pressed, and its text.
struct PopupAction {
  QString key;
  QString label;
};

/// A small window showing a text (selectable, line breaks kept) and either
/// an OK button or the given action buttons. Pressing an action emits
/// actionInvoked(key) and closes the popup with ActionInvoked; OK, Escape
/// and the close button close it with UserClosed. The first button has the
/// focus.
///
/// A short text is a label the window is sized to. A long one (see
/// fitsALabel in ui/long_text.h) is shown in a read-only scrolling view a
/// page high, which lays out only the paragraphs it shows: a text of
/// --max-text bytes in lines opens within a frame (one paragraph that long
/// still costs its one layout, about two). Tab reaches the view after the
/// buttons.
/// Up to four actions are a row of buttons, more a grid four wide; a button
/// shows about 30 characters of its label, the whole label in its tooltip.
/// The caller bounds the sizes (DisplayLimits). GUI thread only.
class PopupWindow : public ManagedWindow {
  Q_OBJECT

 public:
  PopupWindow(const QString& text, const QString& title, const std::vector<PopupAction>& actions);

 Q_SIGNALS:
  void actionInvoked(const QString& key);

 protected:
  std::optional<CloseReason> escapeReason() const override { return CloseReason::UserClosed; }

 private:
  /// Makes `button` the button of `action` (its text, tooltip and click); returns it.
  QPushButton* addAction(const PopupAction& action, QPushButton* button);
};

}  // namespace vitrine
