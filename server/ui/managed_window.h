// The base of every window a client opens: one close, with a reason, once.
#pragma once

#include <QDialog>
#include <chrono>
#include <optional>

class QTimer;

namespace vitrine {

/// Why a window closed (the UI-side twin of the IDL's CloseReason).
enum class CloseReason {
  UserClosed,
  Canceled,
  ClosedByClient,
  TimedOut,
  Answered,
  ActionInvoked,
  ClientDisconnected,
  ServerStopping,
};

/// A top-level, non-modal window that knows why it closed.
///
/// It is a QDialog for the keyboard habits people expect (Escape, Enter on
/// the default button) but is only ever show()n, never exec()ed: the GUI
/// thread never waits in a nested event loop.
///
/// Closing, by any path (the window manager's close button, Escape, a
/// timeout, closeFor()), emits windowClosed() exactly once and then deletes the
/// window (Qt::WA_DeleteOnClose). Owned by itself; GUI thread only.
class ManagedWindow : public QDialog {
  Q_OBJECT

 public:
  explicit ManagedWindow(const QString& title, QWidget* parent = nullptr);

  /// Closes the window now for `reason`. Does nothing once it is closing.
  void closeFor(CloseReason reason);

  /// Closes the window with TimedOut after `timeout`; zero or less: never.
  void closeAfter(std::chrono::milliseconds timeout);

  /// True once the window has started closing (windowClosed() has been or is being emitted).
  bool isClosing() const { return closing_; }

 Q_SIGNALS:
  /// Emitted once, just before the window goes away.
  void windowClosed(vitrine::CloseReason reason);

 protected:
  /// What Escape and QDialog::reject() mean here; nullopt: Escape does nothing.
  virtual std::optional<CloseReason> escapeReason() const { return CloseReason::Canceled; }

  void closeEvent(QCloseEvent* event) override;
  void reject() override;
  void done(int result) override;

 private:
  std::optional<CloseReason> reason_;
  bool closing_ = false;
  QTimer* timeout_ = nullptr;
};

}  // namespace vitrine

Q_DECLARE_METATYPE(vitrine::CloseReason)
