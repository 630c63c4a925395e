#include "service/url_policy.h"

namespace vitrine {

std::optional<QUrl> parsePushableUrl(const QString& text, bool allowFileUrls, QString* why) {
  if (text.size() > kMaxUrlLength) {
    *why = QStringLiteral("URL of %1 characters is longer than the limit of %2").arg(text.size()).arg(kMaxUrlLength);
    return std::nullopt;
  }
  // Tolerant, like a browser's address bar: data: URLs with raw "<" and spaces are common.
  const QUrl url(text, QUrl::TolerantMode);
  if (text.trimmed().isEmpty() || !url.isValid()) {
    *why = QStringLiteral("malformed URL '%1'").arg(text.left(200));
    return std::nullopt;
  }
  if (url.isRelative()) {
    *why = QStringLiteral("URL '%1' has no scheme; give an absolute URL such as https://example.org/").arg(text.left(200));
    return std::nullopt;
  }
  const QString scheme = url.scheme().toLower();
  if (scheme == QLatin1String("http") || scheme == QLatin1String("https")) {
    if (url.host().isEmpty()) {
      *why = QStringLiteral("URL '%1' has no host").arg(text.left(200));
      return std::nullopt;
    }
    return url;
  }
  if (scheme == QLatin1String("data")) return url;
  if (scheme == QLatin1String("file")) {
    if (allowFileUrls) return url;
    *why = QStringLiteral("file: URLs are refused unless the server runs with --allow-file-urls");
    return std::nullopt;
  }
  *why = QStringLiteral("scheme '%1:' is not allowed (http, https and data are)").arg(scheme);
  return std::nullopt;
}

}  // namespace vitrine
