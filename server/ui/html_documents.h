// Serves HTML documents pushed by clients to the stage under vitrine: URLs.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QUrl>
#include <QWebEngineUrlSchemeHandler>

namespace vitrine {

/// The `vitrine:` URL scheme. postHtml documents are served from memory
/// under `vitrine:html/N` rather than through setHtml(), which caps content
/// at 2 MB and would put the whole document in the page's URL.
///
/// Call registerScheme() before the QApplication is created. GUI thread only.
class HtmlDocuments : public QWebEngineUrlSchemeHandler {
  Q_OBJECT

 public:
  static constexpr const char* kScheme = "vitrine";

  /// Declares the scheme to the web engine. Must run before QApplication.
  static void registerScheme();

  explicit HtmlDocuments(QObject* parent = nullptr);

  /// Stores `html` and returns the URL that serves it (a new one each time).
  QUrl add(QByteArray html);
  /// Forgets the document behind `url` (no-op for other URLs).
  void remove(const QUrl& url);

  void requestStarted(QWebEngineUrlRequestJob* job) override;

 private:
  QHash<QString, QByteArray> documents_;
  quint64 next_ = 0;
};

}  // namespace vitrine
