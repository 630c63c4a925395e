#include "service/url_policy.h"

#include <gtest/gtest.h>

namespace vitrine {
namespace {

bool accepted(const char* url, bool allowFile = false) {
  QString why;
  return parsePushableUrl(QString::fromUtf8(url), allowFile, &why).has_value();
}

TEST(UrlPolicy, WebAndDataUrlsAreAccepted) {
  EXPECT_TRUE(accepted("http://127.0.0.1:8000/"));
  EXPECT_TRUE(accepted("https://example.org/a?b=c#d"));
  EXPECT_TRUE(accepted("HTTPS://EXAMPLE.ORG/"));
  EXPECT_TRUE(accepted("data:text/html,<h1>hi</h1>"));
}

TEST(UrlPolicy, FileUrlsNeedTheFlag) {
  EXPECT_FALSE(accepted("file:///etc/passwd"));
  EXPECT_TRUE(accepted("file:///srv/kiosk/index.html", /*allowFile=*/true));
}

TEST(UrlPolicy, OtherSchemesAreRefusedWithTheSchemeNamed) {
  QString why;
  EXPECT_FALSE(parsePushableUrl(QStringLiteral("javascript:alert(1)"), false, &why));
  EXPECT_TRUE(why.contains(QStringLiteral("javascript")));
  EXPECT_FALSE(accepted("ftp://example.org/"));
  EXPECT_FALSE(accepted("chrome://gpu"));
  EXPECT_FALSE(accepted("vitrine:html/1"));
}

TEST(UrlPolicy, MalformedAndRelativeUrlsAreRefused) {
  EXPECT_FALSE(accepted(""));
  EXPECT_FALSE(accepted("   "));
  EXPECT_FALSE(accepted("not a url"));
  EXPECT_FALSE(accepted("/just/a/path"));
  EXPECT_FALSE(accepted("http://"));
  EXPECT_FALSE(accepted("http://exa mple.org/"));
}

TEST(UrlPolicy, OverlongUrlIsRefusedBeforeParsing) {
  QString why;
  const QString url = QStringLiteral("https://example.org/") + QString(kMaxUrlLength, QLatin1Char('a'));
  EXPECT_FALSE(parsePushableUrl(url, false, &why));
  EXPECT_TRUE(why.contains(QStringLiteral("longer than")));
}

}  // namespace
}  // namespace vitrine
