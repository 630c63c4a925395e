// A private temporary directory, and writing whole files.
#pragma once

#include <sys/types.h>

#include <string>

namespace vitrine::test {

/// A fresh directory /tmp/vitrine-test-XXXXXX (mode 0700; short enough for
/// Unix socket paths) for the files a test makes or gives a program: token
/// files, pictures, sockets. Owns the directory: the destructor removes it
/// with everything in it. Throws std::system_error when it cannot be made.
/// Any thread; not copyable.
class TempDirectory {
 public:
  TempDirectory();
  ~TempDirectory();
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;

  const std::string& path() const { return path_; }
  /// path() + "/" + name (the file need not exist).
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  /// Writes `content` to file(name) with permissions `mode` (a token file
  /// must be 0600 or stricter for the server and the CLI to accept it);
  /// returns its path. Throws std::runtime_error when it cannot.
  std::string write(const std::string& name, const std::string& content, mode_t mode = 0600) const;

 private:
  std::string path_;
};

/// Writes `bytes` to `path` (binary), replacing the file; throws
/// std::runtime_error naming the path when it cannot.
void writeFile(const std::string& path, const std::string& bytes);

}  // namespace vitrine::test
