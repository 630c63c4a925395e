#include "ui/popup_window.h"

#include <QDialogButtonBox>
#include <QFontMetrics>
#include <QGridLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/long_text.h"

namespace vitrine {

namespace {

// A long text's view shows this many lines at first.
constexpr int kPageLines = 20;
// An action's button shows at most about this many characters; the rest of its label is in its tooltip.
constexpr int kButtonColumns = 30;
// Up to this many actions are a row of buttons, as a dialog's; more are a grid this many wide, so that
// the popup stays narrower than the screen.
constexpr int kButtonsPerRow = 4;

QLabel* messageLabel(const QString& text, QWidget* parent) {
  auto* message = new QLabel(text, parent);
  message->setTextFormat(Qt::PlainText);  // a client's text is shown, never interpreted
  message->setWordWrap(true);
  message->setTextInteractionFlags(Qt::TextSelectableByMouse);
  message->setMinimumWidth(240);
  message->setMargin(8);
  return message;
}

// The text on an action's button: its label, cut with an ellipsis when it
// would make the button wider than kButtonColumns characters.
QString buttonText(const QString& label, const QFontMetrics& metrics) {
  const int width = metrics.averageCharWidth() * kButtonColumns;
  // Only the start can show: elidedText need not lay out 4 KiB to find that out.
  return metrics.elidedText(label.left(4 * kButtonColumns), Qt::ElideRight, width);
}

}  // namespace

PopupWindow::PopupWindow(const QString& text, const QString& title, const std::vector<PopupAction>& actions)
    : ManagedWindow(title) {
  auto* layout = new QVBoxLayout(this);
  QPlainTextEdit* longText = fitsALabel(text) ? nullptr : newLongTextView(text, this);
  layout->addWidget(longText ? static_cast<QWidget*>(longText) : messageLabel(text, this));

  QPushButton* first = nullptr;
  QPushButton* last = nullptr;
  if (actions.size() <= static_cast<std::size_t>(kButtonsPerRow)) {
    auto* buttons = new QDialogButtonBox(this);
    if (actions.empty()) {
      first = last = buttons->addButton(QDialogButtonBox::Ok);
      first->setDefault(true);
      connect(first, &QPushButton::clicked, this, [this] { closeFor(CloseReason::UserClosed); });
    }
    for (const PopupAction& action : actions) {
      last = addAction(action, buttons->addButton(QString(), QDialogButtonBox::ActionRole));
      if (!first) first = last;
    }
    layout->addWidget(buttons);
  } else {
    auto* grid = new QGridLayout;
    int index = 0;
    for (const PopupAction& action : actions) {
      last = addAction(action, new QPushButton(this));
      if (!first) first = last;
      grid->addWidget(last, index / kButtonsPerRow, index % kButtonsPerRow);
      ++index;
    }
    layout->addLayout(grid);
  }
  // The first button has the focus, as with a short text: Tab goes through
  // the buttons, then into a long text (where the arrows and Page keys scroll).
  first->setFocus();
  if (longText) {
    QWidget::setTabOrder(last, longText);
    showAPageOf(longText, kPageLines, this);
  }
}

QPushButton* PopupWindow::addAction(const PopupAction& action, QPushButton* button) {
  const QString text = buttonText(action.label, fontMetrics());
  button->setText(text);
  if (text != action.label) button->setToolTip(action.label);
  connect(button, &QPushButton::clicked, this, [this, key = action.key] {
    if (isClosing()) return;
    Q_EMIT actionInvoked(key);
    closeFor(CloseReason::ActionInvoked);
  });
  return button;
}

}  // namespace vitrine
