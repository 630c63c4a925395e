#include "ui/stage.h"

#include <QFile>
#include <QQuickWidget>
#include <QQuickWindow>
#include <QTimer>
#include <QWebEngineLoadingInfo>
#include <QWebEnginePage>
#include <QWebEngineProfile>
#include <QWebEngineScript>
#include <QWebEngineView>

#include "app/logging.h"
#include "ui/html_documents.h"

namespace vitrine {

struct Stage::Push {
  quint64 generation = 0;
  QString name;
  /// What the page loads.
  QUrl source;
  /// What url() reports once shown (empty for the welcome page).
  QUrl publicUrl;
  Done done;
  QWebEnginePage* page = nullptr;
  QTimer* timer = nullptr;
  /// The page is on the stage; the push waits for it to be painted.
  bool presented = false;
};

namespace {
// How often to ask the page whether its marker frame has been drawn.
constexpr std::chrono::milliseconds kPaintPollInterval{8};
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
  view_ = new QWebEngineView();
  shownPage_ = new QWebEnginePage(profile_, this);
  view_->setPage(shownPage_);
  view_->setWindowTitle(title());
  view_->resize(size_);
  ensureVisible();
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
  push(QString(), documents_->add(html.toUtf8()), QUrl(), std::chrono::seconds(30), [](Outcome outcome) {
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
  push->page = new QWebEnginePage(profile_, this);
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
  QWebEnginePage* previous = shownPage_;
  const QUrl previousSource = shownSource_;
  view_->setPage(push.page);
  shownPage_ = push.page;
  shownSource_ = push.source;
  name_ = push.name;
  url_ = push.publicUrl;
  documents_->remove(previousSource);
  previous->deleteLater();
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
        auto* surface = view_->findChild<QQuickWidget*>();
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

void Stage::finish(Outcome outcome) {
  std::unique_ptr<Push> push = std::move(pending_);
  push->timer->stop();
  push->timer->deleteLater();
  if (!push->presented) {
    documents_->remove(push->source);
    push->page->deleteLater();
  }
  if (push->done) push->done(outcome);
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
