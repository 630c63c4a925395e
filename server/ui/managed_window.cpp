#include "ui/managed_window.h"

#include <QCloseEvent>
#include <QTimer>

namespace vitrine {

ManagedWindow::ManagedWindow(const QString& title, QWidget* parent) : QDialog(parent) {
  setAttribute(Qt::WA_DeleteOnClose);
  setWindowTitle(title);
  setModal(false);
}

void ManagedWindow::closeFor(CloseReason reason) {
  if (closing_) return;
  reason_ = reason;
  close();
}

void ManagedWindow::closeAfter(std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) return;
  if (!timeout_) {
    timeout_ = new QTimer(this);
    timeout_->setSingleShot(true);
    connect(timeout_, &QTimer::timeout, this, [this] { closeFor(CloseReason::TimedOut); });
  }
  timeout_->start(timeout);
}

void ManagedWindow::closeEvent(QCloseEvent* event) {
  if (!closing_) {
    closing_ = true;
    if (timeout_) timeout_->stop();
    Q_EMIT windowClosed(reason_.value_or(CloseReason::UserClosed));
  }
  event->accept();  // WA_DeleteOnClose: deleted once control returns to the event loop
}

void ManagedWindow::reject() {
  if (std::optional<CloseReason> reason = escapeReason()) closeFor(*reason);
}

void ManagedWindow::done(int result) {
  // QDialog::done hides without closing; every end goes through closeFor.
  if (result == QDialog::Rejected) {
    reject();
  } else {
    closeFor(CloseReason::Answered);
  }
}

}  // namespace vitrine
