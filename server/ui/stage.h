// The stage: the web view that shows pages and HTML pushed by clients.
#pragma once

#include <QImage>
#include <QObject>
#include <QSize>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QWebEnginePage>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>

class QQuickWidget;
class QWebEngineLoadingInfo;
class QWebEngineProfile;
class QWebEngineView;
class QWidget;

namespace vitrine {

class HtmlDocuments;
class StagePage;

/// A top-level QWebEngineView window and the rules for replacing what it shows.
///
/// Each push loads into a fresh page off screen; only once it has loaded is
/// it put on the stage, and the push completes once the stage has painted
/// it. So a push that fails, times out or is superseded leaves the stage
/// showing what it showed before, and every push completes exactly once:
/// a newer push completes the pending one with Superseded.
///
/// Pages use an off-the-record profile: nothing is written to disk. Every
/// page is a StagePage: what a page asks of its embedder (new windows,
/// JavaScript dialogs, file choosers, permissions...) is answered at once,
/// without a dialog and without a nested event loop.
///
/// A page's renderer process may end (a crash, a kill, running out of
/// memory). For the page on the stage, the stage gets a fresh page that
/// loads the same source again (the vitrine:html/N document of a postHtml
/// is kept for that) and rendererRestarted() is emitted. A page that loses
/// its renderer more than kMaxRestarts times in kRestartWindow is not
/// reloaded: the stage is left blank (about:blank; name() and url() empty).
/// For a push not yet shown, its renderer's end answers it LoadFailed and
/// leaves the stage as it was: that is why the page a push replaces is kept,
/// off the view, until the push is answered, not only until its page is
/// put on the view.
///
/// The web engine, the window and its first page are created on first use
/// (a push or the welcome page), not with the Stage: starting Chromium is
/// most of a server's start-up, and a server used only for popups and
/// pictures never needs it. Until then the stage is an unshown window of
/// the configured size that shows nothing.
/// Owns its window and pages. GUI thread only.
class Stage : public QObject {
  Q_OBJECT

 public:
  enum class Outcome { Shown, LoadFailed, TimedOut, Superseded };
  /// Called once per push with its outcome and the URL it pushed (for HTML,
  /// the vitrine:html/N it was served from).
  using Done = std::function<void(Outcome, const QUrl& url)>;

  /// A stage whose window, once created, is shown at `size` (or full screen).
  /// Cheap: nothing of the web engine is created yet.
  Stage(QSize size, bool fullScreen, QObject* parent = nullptr);
  ~Stage() override;

  /// Loads `url` (already validated by the caller) and calls `done` once.
  void showUrl(QString name, QUrl url, std::chrono::milliseconds timeout, Done done);
  /// Shows the HTML document `html` (UTF-8) and calls `done` once.
  void showHtml(QString name, QByteArray html, std::chrono::milliseconds timeout, Done done);
  /// Shows the built-in welcome page listing `addresses`. Leaves name() and
  /// url() empty: the welcome page is not something a client pushed.
  void showWelcome(const QStringList& addresses);

  /// Ends a push still loading with LoadFailed (server shutdown), while
  /// whoever waits for its answer still exists.
  void cancelPending();

  /// The name of the push on the stage now; empty before any.
  const QString& name() const { return name_; }
  /// The URL on the stage now (vitrine:html/N for HTML); empty before any push.
  const QUrl& url() const { return url_; }

  /// What the stage shows now, at the window's size (white at the
  /// configured size before the stage is first used).
  QImage grab() const;

  /// The stage's window, or nullptr before the stage is first used.
  QWidget* window() const;
  /// The window's title, and its size before it exists.
  static QString title();
  QSize plannedSize() const { return size_; }

  /// Renderer ends of the page on the stage that are followed by a reload,
  /// within kRestartWindow; one more leaves the stage blank.
  static constexpr int kMaxRestarts = 3;
  static constexpr std::chrono::seconds kRestartWindow{60};

 Q_SIGNALS:
  /// The renderer of the page on the stage ended and the stage was given a
  /// fresh page: `name` is the name of the push that was shown (empty for
  /// the welcome page), `url` what the stage shows again (empty when it is
  /// left blank), `reason` how the renderer ended: "crashed", "killed",
  /// "abnormal exit" or "out of memory".
  void rendererRestarted(const QString& name, const QUrl& url, const QString& reason);

 protected:
  /// Refuses the dialogs Qt opens on the view for a page (see StagePage::refuseDialog).
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct Push;
  /// `source` is what the page loads; `publicUrl` what url() reports once it is shown.
  void push(QString name, QUrl source, QUrl publicUrl, std::chrono::milliseconds timeout, Done done);
  void begin(std::unique_ptr<Push> push);
  void onLoadingChanged(quint64 generation, const QWebEngineLoadingInfo& info);
  void present();
  void pollPainted(quint64 generation);
  /// Answers the pending push. `restorePrevious`: a push already put on the
  /// stage but not yet painted gives the stage back to the page before it.
  void finish(Outcome outcome, bool restorePrevious = false);
  /// A new page of the stage's profile whose renderer's end is watched.
  StagePage* newPage();
  void onRendererTerminated(StagePage* page, QWebEnginePage::RenderProcessTerminationStatus status);
  /// Gives the stage a fresh page loading what the page on it showed (or a
  /// blank one past kMaxRestarts) and emits rendererRestarted().
  void restartShownPage(const QString& reason);
  void ensureVisible();
  /// The view's Qt Quick surface showing the page on the stage, if any.
  QQuickWidget* shownSurface() const;
  /// Creates the web engine profile, the window and its first page (once).
  void create();

  QSize size_;
  QWebEngineProfile* profile_ = nullptr;
  HtmlDocuments* documents_;
  QWebEngineView* view_ = nullptr;
  bool fullScreen_;
  /// The page on the stage now (owned by this), and the URL it was loaded from.
  StagePage* shownPage_ = nullptr;
  QUrl shownSource_;
  /// When the page on the stage was reloaded after its renderer ended (the last kRestartWindow's).
  std::deque<std::chrono::steady_clock::time_point> restarts_;
  std::unique_ptr<Push> pending_;
  QString name_;
  QUrl url_;
  quint64 generation_ = 0;
};

}  // namespace vitrine
