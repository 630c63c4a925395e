// Which URLs a client may put on the stage.
#pragma once

#include <QString>
#include <QUrl>
#include <optional>

namespace vitrine {

/// Parses `text` as an absolute URL a client may push to the stage: http and
/// https (with a host), data, and file only when `allowFileUrls`. Returns the
/// URL, or nullopt and one sentence in *why (malformed, relative, forbidden
/// scheme, too long). Pure; any thread.
std::optional<QUrl> parsePushableUrl(const QString& text, bool allowFileUrls, QString* why);

/// The longest URL accepted (Chromium's own limit is 2 MiB).
constexpr qsizetype kMaxUrlLength = 2 * 1024 * 1024;

}  // namespace vitrine
