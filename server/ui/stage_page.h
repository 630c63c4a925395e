// The stage's web page: everything a page may ask of its embedder, answered at once.
#pragma once

#include <QElapsedTimer>
#include <QWebEnginePage>
#include <array>

class QDialog;
class QWebEngineDownloadRequest;

namespace vitrine {

/// A QWebEnginePage that never opens a window or a dialog for its page and
/// never runs a nested event loop for it. QWebEngineView's defaults answer a
/// page's JavaScript dialogs and file choosers with modal message boxes and
/// file dialogs (exec(), inside a Chromium task: the GUI thread is stuck and
/// the stage wedged until a person answers). Here every request is answered
/// when it is made:
///
/// | the page asks                          | vitrine answers                                     |
/// |----------------------------------------|-----------------------------------------------------|
/// | window.open, target=_blank, new tabs   | refused: no window opens (window.open returns null) |
/// | alert()                                | dismissed                                           |
/// | confirm(), and beforeunload's question | false ("Cancel"; for beforeunload: stay)            |
/// | prompt()                               | cancelled (returns null)                            |
/// | <input type=file>                      | nothing chosen                                      |
/// | <input type=color>                     | the chooser is cancelled (refuseDialog)             |
/// | permissions (camera, microphone, screen, geolocation, notifications, mouse lock) | denied |
/// | full screen, quota, protocol handlers, file system access | refused                   |
/// | TLS certificate errors                 | the certificate is rejected (the load fails)       |
/// | a client certificate                   | none is sent                                        |
/// | HTTP and proxy authentication          | cancelled (the server's 401/407 page is the answer) |
/// | window.print()                         | nothing is printed                                  |
/// | downloads                              | cancelled: nothing is written                       |
/// | window.close(), resizeTo(), moveTo()   | ignored                                             |
/// | external protocols (mailto: ...)       | never launched                                      |
/// | console messages                       | logged at debug level only                          |
///
/// What the page asked and what it was answered is logged (vitrine.stage,
/// info; console messages at debug level), at most one line per kind of
/// request every few seconds per page, with the count of the ones left out:
/// a page may ask in a loop.
///
/// Refusing new windows matters beyond policy: in Qt 6.4 a window opened by
/// a page that is not in a view (a push still loading off screen) takes
/// over that page's render widget and leaves it dangling, and the next
/// QWebEngineView::setPage() crashes. Chromium is told not to let scripts
/// open windows (QWebEngineSettings::JavascriptCanOpenWindows off), so no
/// window is even created without a person's click, and a page loading off
/// screen gets no clicks.
///
/// Owned by its parent (the Stage). GUI thread only.
class StagePage : public QWebEnginePage {
  Q_OBJECT

 public:
  StagePage(QWebEngineProfile* profile, QObject* parent);

  /// Cancels `dialog`, a dialog Qt opens on the view for this page (the
  /// colour chooser of <input type=color> is one; it is window-modal), and
  /// logs it. Call it as the dialog is about to be shown: it is placed off
  /// the screen and cancelled in the next turn of the event loop.
  void refuseDialog(QDialog* dialog);

  /// Cancels `download`, which this page started (a link or a navigation to
  /// something Chromium does not show): the stage never writes files.
  void refuseDownload(QWebEngineDownloadRequest* download);

  /// False once this page's renderer process has ended (the page shows
  /// nothing until it loads again); rendererEnd() then says how.
  bool rendererAlive() const { return rendererAlive_; }
  RenderProcessTerminationStatus rendererEnd() const { return rendererEnd_; }

 protected:
  QWebEnginePage* createWindow(WebWindowType type) override;
  QStringList chooseFiles(FileSelectionMode mode, const QStringList& oldFiles,
                          const QStringList& acceptedMimeTypes) override;
  void javaScriptAlert(const QUrl& securityOrigin, const QString& msg) override;
  bool javaScriptConfirm(const QUrl& securityOrigin, const QString& msg) override;
  bool javaScriptPrompt(const QUrl& securityOrigin, const QString& msg, const QString& defaultValue,
                        QString* result) override;
  void javaScriptConsoleMessage(JavaScriptConsoleMessageLevel level, const QString& message, int lineNumber,
                                const QString& sourceID) override;

 private:
  /// The kinds of request, each with its own log budget.
  enum class Request {
    NewWindow,
    Alert,
    Confirm,
    Prompt,
    FileChooser,
    Dialog,
    Console,
    Permission,
    FullScreen,
    Quota,
    ProtocolHandler,
    FileSystemAccess,
    Certificate,
    ClientCertificate,
    Authentication,
    Print,
    Download,
    WindowManagement,
    Count
  };
  /// Logs "page URL: `asked`: `answer`" unless a line of this kind went out
  /// less than kReportInterval ago (then it is counted, and the next line
  /// says how many were left out).
  void report(Request kind, const QString& asked, const QString& answer);

  struct Tally {
    QElapsedTimer lastLine;
    int leftOut = 0;
  };
  std::array<Tally, static_cast<std::size_t>(Request::Count)> tallies_;
  bool rendererAlive_ = true;
  RenderProcessTerminationStatus rendererEnd_ = NormalTerminationStatus;
};

}  // namespace vitrine
