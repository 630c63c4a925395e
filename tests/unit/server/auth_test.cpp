// The pieces of "who may connect" that need no server: the token and its
// comparison, the token file's checks, and the private socket directory.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include "app/token_file.h"
#include "net/listener.h"
#include "service/auth_token.h"

namespace vitrine {
namespace {

TEST(AuthToken, MatchesOnlyTheSameBytes) {
  const AuthToken token("correct horse battery staple");
  EXPECT_TRUE(token.matches("correct horse battery staple"));
  EXPECT_FALSE(token.matches("correct horse battery stapl"));
  EXPECT_FALSE(token.matches("correct horse battery staple "));
  EXPECT_FALSE(token.matches("Correct horse battery staple"));
  EXPECT_FALSE(token.matches(""));
  EXPECT_FALSE(token.matches(std::string_view("correct horse battery staple\0", 29)));
}

class TokenFile : public ::testing::Test {
 protected:
  // Writes `content` to a file in the test's directory with `mode`; returns its path.
  QString write(const QByteArray& content, mode_t mode = 0600) {
    const QString path = dir_.filePath(QStringLiteral("token"));
    QFile file(path);
    EXPECT_TRUE(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(content);
    file.close();
    EXPECT_EQ(::chmod(path.toLocal8Bit().constData(), mode), 0);
    return path;
  }
  // The error readTokenFile gives for `path` (and a failure if it gives none).
  QString refusal(const QString& path) {
    QString error;
    EXPECT_FALSE(readTokenFile(path, &error).has_value()) << path.toStdString();
    EXPECT_TRUE(error.contains(QStringLiteral("--token-file"))) << error.toStdString();
    return error;
  }

  QTemporaryDir dir_;
};

TEST_F(TokenFile, IsReadWithTrailingLineBreaksStripped) {
  QString error;
  EXPECT_EQ(readTokenFile(write("0123456789abcdef\n"), &error), "0123456789abcdef") << error.toStdString();
  EXPECT_EQ(readTokenFile(write("with inner space\r\n\n"), &error), "with inner space");
  EXPECT_EQ(readTokenFile(write("no newline", 0400), &error), "no newline");
}

TEST_F(TokenFile, OthersMayNotReadOrWriteIt) {
  for (const mode_t mode : {0644, 0640, 0604, 0620, 0602, 0660, 0666}) {
    const QString error = refusal(write("0123456789abcdef", mode));
    EXPECT_TRUE(error.contains(QStringLiteral("0600"))) << error.toStdString();
    EXPECT_TRUE(error.contains(QStringLiteral("chmod 600"))) << error.toStdString();
  }
}

TEST_F(TokenFile, EmptyMissingHugeBinaryAndDirectoriesAreRefused) {
  EXPECT_TRUE(refusal(write("")).contains(QStringLiteral("empty")));
  EXPECT_TRUE(refusal(write("\n\n")).contains(QStringLiteral("empty")));
  EXPECT_TRUE(refusal(dir_.filePath(QStringLiteral("missing"))).contains(QStringLiteral("cannot open")));
  EXPECT_TRUE(refusal(write(QByteArray(kMaxTokenFileBytes + 1, 'x'))).contains(QStringLiteral("too large")));
  EXPECT_TRUE(refusal(write("two\nlines")).contains(QStringLiteral("printable ASCII")));
  EXPECT_TRUE(refusal(write(QByteArray("nul\0byte", 8))).contains(QStringLiteral("printable ASCII")));
  ASSERT_TRUE(QDir(dir_.path()).mkdir(QStringLiteral("sub")));
  ::chmod(dir_.filePath(QStringLiteral("sub")).toLocal8Bit().constData(), 0700);
  EXPECT_TRUE(refusal(dir_.filePath(QStringLiteral("sub"))).contains(QStringLiteral("regular file")));
}

TEST(PrivateDirectory, IsCreatedForTheUserAlone) {
  QTemporaryDir parent;
  const QString dir = parent.filePath(QStringLiteral("vitrine-test"));
  QString error;
  ASSERT_TRUE(Listener::ensurePrivateDirectory(dir, &error)) << error.toStdString();
  struct stat info{};
  ASSERT_EQ(::lstat(dir.toLocal8Bit().constData(), &info), 0);
  EXPECT_TRUE(S_ISDIR(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  EXPECT_EQ(info.st_uid, ::getuid());
  EXPECT_TRUE(Listener::ensurePrivateDirectory(dir, &error)) << "an existing private directory is fine";
}

TEST(PrivateDirectory, OneOthersCanEnterOrASymlinkIsRefused) {
  QTemporaryDir parent;
  const QString open = parent.filePath(QStringLiteral("open"));
  ASSERT_EQ(::mkdir(open.toLocal8Bit().constData(), 0700), 0);
  ASSERT_EQ(::chmod(open.toLocal8Bit().constData(), 0755), 0);
  QString error;
  EXPECT_FALSE(Listener::ensurePrivateDirectory(open, &error));
  EXPECT_TRUE(error.contains(QStringLiteral("0700"))) << error.toStdString();

  const QString link = parent.filePath(QStringLiteral("link"));
  const QString target = parent.filePath(QStringLiteral("target"));
  ASSERT_EQ(::mkdir(target.toLocal8Bit().constData(), 0700), 0);
  ASSERT_EQ(::symlink(target.toLocal8Bit().constData(), link.toLocal8Bit().constData()), 0);
  EXPECT_FALSE(Listener::ensurePrivateDirectory(link, &error));
  EXPECT_TRUE(error.contains(QStringLiteral("not a directory"))) << error.toStdString();
}

}  // namespace
}  // namespace vitrine
