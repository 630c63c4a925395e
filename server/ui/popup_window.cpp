#include "ui/popup_window.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace vitrine {

PopupWindow::PopupWindow(const QString& text, const QString& title, const std::vector<PopupAction>& actions)
    : ManagedWindow(title) {
  auto* layout = new QVBoxLayout(this);
  auto* message = new QLabel(text, this);
  message->setTextFormat(Qt::PlainText);  // a client's text is shown, never interpreted
  message->setWordWrap(true);
  message->setTextInteractionFlags(Qt::TextSelectableByMouse);
  message->setMinimumWidth(240);
  message->setMargin(8);
  layout->addWidget(message);

  auto* buttons = new QDialogButtonBox(this);
  if (actions.empty()) {
    QPushButton* ok = buttons->addButton(QDialogButtonBox::Ok);
    ok->setDefault(true);
    connect(ok, &QPushButton::clicked, this, [this] { closeFor(CloseReason::UserClosed); });
  } else {
    for (const PopupAction& action : actions) {
      QPushButton* button = buttons->addButton(action.label, QDialogButtonBox::ActionRole);
      connect(button, &QPushButton::clicked, this, [this, key = action.key] {
        if (isClosing()) return;
        Q_EMIT actionInvoked(key);
        closeFor(CloseReason::ActionInvoked);
      });
    }
  }
  layout->addWidget(buttons);
}

}  // namespace vitrine
