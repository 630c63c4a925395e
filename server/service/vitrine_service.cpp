#include "service/vitrine_service.h"

#include <unistd.h>

#include <QBuffer>
#include <QCoreApplication>
#include <QGuiApplication>
#include <QThread>

#include "app/logging.h"
#include "service/server_stats.h"
#include "service/url_policy.h"
#include "ui/stage.h"

#ifndef VITRINE_VERSION
#define VITRINE_VERSION "0.0.0"
#endif

// The service must only ever run on the GUI thread: that is the design.
#define VITRINE_ASSERT_GUI_THREAD() \
  Q_ASSERT_X(QThread::currentThread() == QCoreApplication::instance()->thread(), Q_FUNC_INFO, "not on the GUI thread")

namespace vitrine {

namespace {

api::PushResult::type toPushResult(Stage::Outcome outcome) {
  switch (outcome) {
    case Stage::Outcome::Shown:
      return api::PushResult::OK;
    case Stage::Outcome::LoadFailed:
      return api::PushResult::LOAD_FAILED;
    case Stage::Outcome::TimedOut:
      return api::PushResult::TIMED_OUT;
    case Stage::Outcome::Superseded:
      return api::PushResult::SUPERSEDED;
  }
  return api::PushResult::LOAD_FAILED;
}

// Thrift strings carry bytes; names and URLs are UTF-8 by contract.
QString fromUtf8(const std::string& text) {
  return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

}  // namespace

VitrineService::VitrineService(Stage& stage, ServerStats& stats, ServiceOptions options)
    : stage_(stage), stats_(stats), options_(options) {
  uptime_.start();
}

std::chrono::milliseconds VitrineService::loadTimeout(bool isSet, int32_t timeoutMs) const {
  return isSet && timeoutMs > 0 ? std::chrono::milliseconds(timeoutMs) : options_.loadTimeout;
}

void VitrineService::fetchUrl(std::function<void(api::PushResult::type const&)> cob, const api::PushUrl& url) {
  VITRINE_ASSERT_GUI_THREAD();
  QString why;
  std::optional<QUrl> target = parsePushableUrl(fromUtf8(url.url), options_.allowFileUrls, &why);
  if (!target) {
    qCInfo(lcService).noquote() << "fetchUrl refused:" << why;
    return cob(api::PushResult::INVALID_ARGUMENT);
  }
  stage_.showUrl(fromUtf8(url.name), *target, loadTimeout(url.__isset.timeoutMs, url.timeoutMs),
                 [cob](Stage::Outcome outcome) { cob(toPushResult(outcome)); });
}

void VitrineService::postHtml(std::function<void(api::PushResult::type const&)> cob, const api::PushHtml& html) {
  VITRINE_ASSERT_GUI_THREAD();
  stage_.showHtml(fromUtf8(html.name), QByteArray(html.data.data(), static_cast<qsizetype>(html.data.size())),
                  loadTimeout(html.__isset.timeoutMs, html.timeoutMs),
                  [cob](Stage::Outcome outcome) { cob(toPushResult(outcome)); });
}

void VitrineService::whatsLoaded(std::function<void(std::string const&)> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  cob(stage_.name().toStdString());
}

void VitrineService::currentUrl(std::function<void(std::string const&)> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  cob(stage_.url().toString(QUrl::FullyEncoded).toStdString());
}

void VitrineService::ping(std::function<void()> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  cob();
}

void VitrineService::serverInfo(std::function<void(api::ServerInfo const&)> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  api::ServerInfo info;
  info.version = VITRINE_VERSION;
  info.uptimeMs = uptime_.elapsed();
  info.connections = stats_.connections;
  info.callsServed = stats_.callsServed;
  info.windows = 1;  // the stage
  for (const QString& listener : listeners_) info.listeners.push_back(listener.toStdString());
  info.platform = QGuiApplication::platformName().toStdString();
  info.qtVersion = qVersion();
  info.pid = static_cast<int32_t>(::getpid());
  cob(info);
}

void VitrineService::screenshot(std::function<void(std::string const&)> cob,
                                std::function<void(apache::thrift::TDelayedException*)> exn_cob,
                                const int64_t windowId) {
  VITRINE_ASSERT_GUI_THREAD();
  if (windowId != 0) {
    api::WindowNotFound notFound;
    notFound.windowId = windowId;
    notFound.message = "no window with id " + std::to_string(windowId) + " is open";
    return exn_cob(apache::thrift::TDelayedException::delayException(notFound));
  }
  QByteArray png;
  QBuffer buffer(&png);
  buffer.open(QIODevice::WriteOnly);
  stage_.grab().save(&buffer, "PNG");
  cob(png.toStdString());
}

}  // namespace vitrine
