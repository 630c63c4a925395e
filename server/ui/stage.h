// The stage: the web view that shows pages and HTML pushed by clients.
#pragma once

#include <QImage>
#include <QObject>
#include <QSize>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <chrono>
#include <functional>
#include <memory>

class QWebEngineLoadingInfo;
class QWebEnginePage;
class QWebEngineProfile;
class QWebEngineView;
class QWidget;

namespace vitrine {

class HtmlDocuments;

/// A top-level QWebEngineView window and the rules for replacing what it shows.
///
/// Each push loads into a fresh page off screen; only once it has loaded is
/// it put on the stage, and the push completes once the stage has painted
/// it. So a push that fails, times out or is superseded leaves the stage
/// showing what it showed before, and every push completes exactly once:
/// a newer push completes the pending one with Superseded.
///
/// Pages use an off-the-record profile: nothing is written to disk.
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
  using Done = std::function<void(Outcome)>;

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

 private:
  struct Push;
  /// `source` is what the page loads; `publicUrl` what url() reports once it is shown.
  void push(QString name, QUrl source, QUrl publicUrl, std::chrono::milliseconds timeout, Done done);
  void begin(std::unique_ptr<Push> push);
  void onLoadingChanged(quint64 generation, const QWebEngineLoadingInfo& info);
  void present();
  void pollPainted(quint64 generation);
  void finish(Outcome outcome);
  void ensureVisible();
  /// Creates the web engine profile, the window and its first page (once).
  void create();

  QSize size_;
  QWebEngineProfile* profile_ = nullptr;
  HtmlDocuments* documents_;
  QWebEngineView* view_ = nullptr;
  bool fullScreen_;
  /// The page on the stage now (owned by this), and the URL it was loaded from.
  QWebEnginePage* shownPage_ = nullptr;
  QUrl shownSource_;
  std::unique_ptr<Push> pending_;
  QString name_;
  QUrl url_;
  quint64 generation_ = 0;
};

}  // namespace vitrine
