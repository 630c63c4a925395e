#include "ui/stage.h"

#include <QChildEvent>
#include <QDialog>
#include <QFile>
#include <QQuickWidget>
#include <QQuickWindow>
#include <QTimer>
#include <QWebEngineDownloadRequest>
#include <QWebEngineLoadingInfo>
#include <QWebEngineProfile>
#include <QWebEngineScript>
#include <QWebEngineView>

#include "base/logging.h"
#include "ui/html_documents.h"
#include "ui/stage_page.h"

namespace vitrine {

struct Stage::Push {
  quint64 generation = 0;
  QString name;
  /// What the page loads.
  QUrl source;
  /// What url() reports once shown (empty for the welcome page).
  QUrl publicUrl;
  Done done;
  StagePage* page = nullptr;
  QTimer* timer = nullptr;
  /// The page is on the stage; the push waits for it to be painted.
  bool presented = false;
  /// Once presented: what the stage showed before, kept until the push is
  /// answered, so that a page whose renderer ends before it is painted
  /// leaves the stage as it was.
  StagePage* previousPage = nullptr;
  QUrl previousSource;
  QString previousName;
  QUrl previousUrl;
};

namespace {
// How often to ask the page whether its marker frame has been drawn.
constexpr std::chrono::milliseconds kPaintPollInterval{8};

QString reasonOf(QWebEnginePage::RenderProcessTerminationStatus status) {
  switch (status) {
    case QWebEnginePage::CrashedTerminationStatus:
      return QStringLiteral("crashed");
    case QWebEnginePage::KilledTerminationStatus:
      return QStringLiteral("killed");
    case QWebEnginePage::NormalTerminationStatus:
      // A renderer that leaves while its page still shows has not ended normally for the stage.
    case QWebEnginePage::AbnormalTerminationStatus:
      return QStringLiteral("abnormal exit");
  }
  // Qt 6.4 passes Chromium's TERMINATION_STATUS_OOM (a renderer that ran
  // out of memory, on Linux) through as a value outside the enum.
  return QStringLiteral("out of memory");
}

// A page's source for a log line.
QString describe(const QUrl& source) {
  return source.isEmpty() ? QStringLiteral("the empty stage") : source.toString(QUrl::RemoveQuery).left(200);
}
}  // namespace

Stage::Stage(QSize size, bool fullScreen, QObject* parent)
    : QObject(parent), size_(size), documents_(new HtmlDocuments(this)), fullScreen_(fullScreen) {}

Stage::~Stage() {
  if (pending_) {
    pending_->done = nullptr;  // too late to answer: the service may be gone (see cancelPending)
    finish(Outcome::LoadFailed);
  }
  delete view_;
  // Pages must go before the profile they were made from.
  qDeleteAll(findChildren<QWebEnginePage*>(Qt::FindDirectChildrenOnly));
  delete profile_;
}

void Stage::create() {
  if (view_) return;
  profile_ = new QWebEngineProfile(this);  // no storage name: off the record
  profile_->installUrlSchemeHandler(HtmlDocuments::kScheme, documents_);
  connect(profile_, &QWebEngineProfile::downloadRequested, this, [](QWebEngineDownloadRequest* download) {
    if (auto* page = qobject_cast<StagePage*>(download->page())) return page->refuseDownload(download);
    download->cancel();
  });
  view_ = new QWebEngineView();
  view_->installEventFilter(this);
  shownPage_ = newPage();
  view_->setPage(shownPage_);
  view_->setWindowTitle(title());
  view_->resize(size_);
  ensureVisible();
}

StagePage* Stage::newPage() {
  auto* page = new StagePage(profile_, this);
  connect(page, &QWebEnginePage::renderProcessTerminated, this,
          [this, page](QWebEnginePage::RenderProcessTerminationStatus status, int) { onRendererTerminated(page, status); });
  return page;
}

bool Stage::eventFilter(QObject* watched, QEvent* event) {
  // A dialog Qt opens for the page on the view (the colour chooser of
  // <input type=color>) is polished, as its parent is told, just before it
  // is shown: the moment to keep it off screen and cancel it.
  if (watched == view_ && event->type() == QEvent::ChildPolished && shownPage_) {
    if (auto* dialog = qobject_cast<QDialog*>(static_cast<QChildEvent*>(event)->child())) shownPage_->refuseDialog(dialog);
  }
  return QObject::eventFilter(watched, event);
}

QQuickWidget* Stage::shownSurface() const {
  // Each page put on the view has a surface among the view's children; the
  // view hides the one of the page it stops showing, which may still exist
  // (the page before a push is kept until the push is answered).
  for (QQuickWidget* surface : view_->findChildren<QQuickWidget*>(Qt::FindDirectChildrenOnly)) {
    if (!surface->isHidden()) return surface;
  }
  return nullptr;
}

QWidget* Stage::window() const {
  return view_;
}

QString Stage::title() {
  return QStringLiteral("vitrine stage");
}

void Stage::ensureVisible() {
  if (view_->isVisible()) return;
  if (fullScreen_) {
    view_->showFullScreen();
  } else {
    view_->show();
  }
}

void Stage::showUrl(QString name, QUrl url, std::chrono::milliseconds timeout, Done done) {
  const QUrl shown = url;
  push(std::move(name), std::move(url), shown, timeout, std::move(done));
}

void Stage::showHtml(QString name, QByteArray html, std::chrono::milliseconds timeout, Done done) {
  const QUrl url = documents_->add(std::move(html));
  push(std::move(name), url, url, timeout, std::move(done));
}

void Stage::showWelcome(const QStringList& addresses) {
  QFile file(QStringLiteral(":/vitrine/welcome.html"));
  file.open(QIODevice::ReadOnly);
  QString html = QString::fromUtf8(file.readAll());
  QStringList items;
  for (const QString& address : addresses) items << QStringLiteral("<li><code>%1</code></li>").arg(address.toHtmlEscaped());
  html.replace(QStringLiteral("{{listeners}}"), items.join(QString()));
  // Not something a client pushed: name() and url() stay empty.
  push(QString(), documents_->add(html.toUtf8()), QUrl(), std::chrono::seconds(30), [](Outcome outcome, const QUrl&) {
    if (outcome != Outcome::Shown) qCWarning(lcStage) << "the welcome page was not shown";
  });
}

void Stage::push(QString name, QUrl source, QUrl publicUrl, std::chrono::milliseconds timeout, Done done) {
  create();
  auto next = std::make_unique<Push>();
  next->name = std::move(name);
  next->source = std::move(source);
  next->publicUrl = std::move(publicUrl);
  next->done = std::move(done);
  next->timer = new QTimer(this);
  next->timer->setSingleShot(true);
  next->timer->setInterval(timeout);
  begin(std::move(next));
}

void Stage::cancelPending() {
  if (pending_) finish(Outcome::LoadFailed);
}

void Stage::begin(std::unique_ptr<Push> push) {
  if (pending_) finish(Outcome::Superseded);
  push->generation = ++generation_;
  const quint64 generation = push->generation;
  push->page = newPage();
  connect(push->page, &QWebEnginePage::loadingChanged, this,
          [this, generation](const QWebEngineLoadingInfo& info) { onLoadingChanged(generation, info); });
  connect(push->timer, &QTimer::timeout, this, [this, generation] {
    if (!pending_ || pending_->generation != generation) return;
    qCInfo(lcStage).noquote() << "timed out:" << pending_->source.toString(QUrl::RemoveQuery).left(200);
    finish(Outcome::TimedOut);
  });
  pending_ = std::move(push);
  pending_->timer->start();
  pending_->page->load(pending_->source);
}

void Stage::onLoadingChanged(quint64 generation, const QWebEngineLoadingInfo& info) {
  if (!pending_ || pending_->generation != generation || pending_->presented) return;
  switch (info.status()) {
    case QWebEngineLoadingInfo::LoadStartedStatus:
      return;
    case QWebEngineLoadingInfo::LoadSucceededStatus:
      // An HTTP error page (404, 500...) loads "successfully"; the caller asked for the real page.
      if (info.errorDomain() == QWebEngineLoadingInfo::HttpStatusCodeDomain && info.errorCode() >= 400) break;
      return present();
    case QWebEngineLoadingInfo::LoadStoppedStatus:
    case QWebEngineLoadingInfo::LoadFailedStatus:
      break;
  }
  qCInfo(lcStage).noquote() << "load failed:" << info.url().toString(QUrl::RemoveQuery).left(200) << "-"
                            << info.errorString() << info.errorCode();
  finish(Outcome::LoadFailed);
}

void Stage::present() {
  Push& push = *pending_;
  push.presented = true;
  push.previousPage = shownPage_;
  push.previousSource = shownSource_;
  push.previousName = name_;
  push.previousUrl = url_;
  view_->setPage(push.page);
  shownPage_ = push.page;
  shownSource_ = push.source;
  name_ = push.name;
  url_ = push.publicUrl;
  ensureVisible();
  // Two animation frames after this script runs, the new content has been
  // produced by the renderer; the world is isolated from the page's scripts.
  push.page->runJavaScript(
      QStringLiteral("requestAnimationFrame(() => requestAnimationFrame(() => { window.__vitrinePainted = %1; }))")
          .arg(push.generation),
      QWebEngineScript::ApplicationWorld);
  pollPainted(push.generation);
}

void Stage::pollPainted(quint64 generation) {
  if (!pending_ || pending_->generation != generation) return;
  pending_->page->runJavaScript(
      QStringLiteral("window.__vitrinePainted === %1").arg(generation), QWebEngineScript::ApplicationWorld,
      [this, generation](const QVariant& painted) {
        if (!pending_ || pending_->generation != generation) return;
        if (!painted.toBool()) {
          QTimer::singleShot(kPaintPollInterval, this, [this, generation] { pollPainted(generation); });
          return;
        }
        // The frame has reached the view; let the view render it once more
        // so a screenshot taken right after the answer shows it.
        QQuickWidget* surface = shownSurface();
        if (!surface) return finish(Outcome::Shown);
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = connect(
            surface->quickWindow(), &QQuickWindow::afterRendering, this,
            [this, generation, connection] {
              disconnect(*connection);
              if (pending_ && pending_->generation == generation) finish(Outcome::Shown);
            },
            Qt::QueuedConnection);
        surface->quickWindow()->update();
      });
}

void Stage::finish(Outcome outcome, bool restorePrevious) {
  std::unique_ptr<Push> push = std::move(pending_);
  push->timer->stop();
  push->timer->deleteLater();
  if (!push->presented) {
    documents_->remove(push->source);
    push->page->deleteLater();
  } else if (restorePrevious) {
    view_->setPage(push->previousPage);
    shownPage_ = push->previousPage;
    shownSource_ = push->previousSource;
    name_ = push->previousName;
    url_ = push->previousUrl;
    documents_->remove(push->source);
    push->page->deleteLater();
  } else {
    // The push's page stays: what it replaced goes, and so does the reload
    // budget of the page before (this one starts with its own).
    documents_->remove(push->previousSource);
    push->previousPage->deleteLater();
    restarts_.clear();
  }
  if (push->done) push->done(outcome, push->publicUrl.isEmpty() ? push->source : push->publicUrl);
  // The page given back may have lost its renderer while it was off the stage.
  if (restorePrevious && !shownPage_->rendererAlive()) restartShownPage(reasonOf(shownPage_->rendererEnd()));
}

void Stage::onRendererTerminated(StagePage* page, QWebEnginePage::RenderProcessTerminationStatus status) {
  const QString reason = reasonOf(status);
  if (pending_ && page == pending_->page) {
    qCInfo(lcStage).noquote() << "the renderer of" << describe(pending_->source)
                              << "ended (" + reason + ") before it was shown: load failed";
    return finish(Outcome::LoadFailed, pending_->presented);
  }
  if (page == shownPage_) return restartShownPage(reason);
  // A page on its way out, or one kept off the stage for a push being
  // painted (finish() looks at it if it comes back).
}

void Stage::restartShownPage(const QString& reason) {
  const QString name = name_;
  const auto now = std::chrono::steady_clock::now();
  while (!restarts_.empty() && now - restarts_.front() > kRestartWindow) restarts_.pop_front();
  StagePage* lost = shownPage_;
  shownPage_ = newPage();
  view_->setPage(shownPage_);
  lost->deleteLater();
  if (static_cast<int>(restarts_.size()) >= kMaxRestarts) {
    qCWarning(lcStage).noquote() << "the renderer of" << describe(shownSource_)
                                 << "ended (" + reason + ")," << kMaxRestarts + 1
                                 << "times within a minute: the stage is left blank";
    documents_->remove(shownSource_);
    shownSource_ = QUrl();
    name_.clear();
    url_.clear();
    restarts_.clear();
    shownPage_->load(QUrl(QStringLiteral("about:blank")));
  } else {
    qCWarning(lcStage).noquote() << "the renderer of" << describe(shownSource_)
                                 << "ended (" + reason + "): loading it again in a new one";
    restarts_.push_back(now);
    // Nothing was shown yet (the stage's first page): a fresh empty page is the same.
    if (!shownSource_.isEmpty()) shownPage_->load(shownSource_);
  }
  Q_EMIT rendererRestarted(name, url_, reason);
}

QImage Stage::grab() const {
  if (!view_) {
    QImage blank(size_, QImage::Format_RGB32);
    blank.fill(Qt::white);  // what an empty page shows
    return blank;
  }
  return view_->grab().toImage();
}

}  // namespace vitrine
