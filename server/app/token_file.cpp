#include "app/token_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vitrine {

namespace {

// Closes a file descriptor on every way out.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

QString systemError() {
  return QString::fromLocal8Bit(std::strerror(errno));
}

}  // namespace

std::optional<std::string> readTokenFile(const QString& path, QString* error) {
  const QString where = QStringLiteral("--token-file %1").arg(path);
  const FileDescriptor file(::open(path.toLocal8Bit().constData(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (file.get() < 0) {
    *error = QStringLiteral("%1: cannot open it: %2").arg(where, systemError());
    return std::nullopt;
  }
  struct stat info{};
  if (::fstat(file.get(), &info) != 0) {
    *error = QStringLiteral("%1: %2").arg(where, systemError());
    return std::nullopt;
  }
  if (!S_ISREG(info.st_mode)) {
    *error = QStringLiteral("%1: not a regular file").arg(where);
    return std::nullopt;
  }
  if (info.st_uid != ::geteuid()) {
    *error = QStringLiteral("%1: the file must belong to the user the server runs as (uid %2), not uid %3")
                 .arg(where)
                 .arg(::geteuid())
                 .arg(info.st_uid);
    return std::nullopt;
  }
  if ((info.st_mode & 077) != 0) {
    *error = QStringLiteral("%1: mode %2 lets others read or change the token; it must be 0600 or stricter "
                            "(chmod 600 %3)")
                 .arg(where)
                 .arg(info.st_mode & 07777, 4, 8, QLatin1Char('0'))
                 .arg(path);
    return std::nullopt;
  }
  if (info.st_size > kMaxTokenFileBytes) {
    *error = QStringLiteral("%1: %2 bytes is too large for a token (at most %3)")
                 .arg(where)
                 .arg(info.st_size)
                 .arg(kMaxTokenFileBytes);
    return std::nullopt;
  }

  // One byte more than the limit: a file that grew since fstat is noticed.
  std::string token(static_cast<std::size_t>(kMaxTokenFileBytes) + 1, '\0');
  std::size_t size = 0;
  while (size < token.size()) {
    const ssize_t got = ::read(file.get(), token.data() + size, token.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      *error = QStringLiteral("%1: cannot read it: %2").arg(where, systemError());
      return std::nullopt;
    }
    if (got == 0) break;
    size += static_cast<std::size_t>(got);
  }
  if (size > static_cast<std::size_t>(kMaxTokenFileBytes)) {
    *error = QStringLiteral("%1: too large for a token (at most %2 bytes)").arg(where).arg(kMaxTokenFileBytes);
    return std::nullopt;
  }
  token.resize(size);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) {
    *error = QStringLiteral("%1: the file is empty; put a token in it, e.g. openssl rand -hex 32 > %2").arg(where, path);
    return std::nullopt;
  }
  for (const char c : token) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) {
      *error = QStringLiteral("%1: the token may hold printable ASCII characters only (one line; e.g. the output "
                              "of openssl rand -hex 32)")
                   .arg(where);
      return std::nullopt;
    }
  }
  return token;
}

}  // namespace vitrine
