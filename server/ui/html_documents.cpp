#include "ui/html_documents.h"

#include <QBuffer>
#include <QWebEngineUrlRequestJob>
#include <QWebEngineUrlScheme>

namespace vitrine {

void HtmlDocuments::registerScheme() {
  QWebEngineUrlScheme scheme(kScheme);
  scheme.setSyntax(QWebEngineUrlScheme::Syntax::Path);
  // Pages pushed as HTML may use http(s) images, styles and scripts like any page.
  scheme.setFlags(QWebEngineUrlScheme::CorsEnabled);
  QWebEngineUrlScheme::registerScheme(scheme);
}

HtmlDocuments::HtmlDocuments(QObject* parent) : QWebEngineUrlSchemeHandler(parent) {}

QUrl HtmlDocuments::add(QByteArray html) {
  const QString path = QStringLiteral("html/%1").arg(++next_);
  documents_.insert(path, std::move(html));
  QUrl url;
  url.setScheme(QString::fromLatin1(kScheme));
  url.setPath(path);
  return url;
}

void HtmlDocuments::remove(const QUrl& url) {
  if (url.scheme() == QLatin1String(kScheme)) documents_.remove(url.path());
}

void HtmlDocuments::requestStarted(QWebEngineUrlRequestJob* job) {
  const auto found = documents_.constFind(job->requestUrl().path());
  if (found == documents_.cend()) {
    job->fail(QWebEngineUrlRequestJob::UrlNotFound);
    return;
  }
  // The buffer shares the document's bytes (implicit sharing) and dies with the job.
  auto* body = new QBuffer(job);
  body->setData(*found);
  body->open(QIODevice::ReadOnly);
  job->reply(QByteArrayLiteral("text/html;charset=utf-8"), body);
}

}  // namespace vitrine
