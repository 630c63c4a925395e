// Certificates for the TLS tests, made with the openssl command-line tool.
#pragma once

#include <string>

namespace vitrine::test {

/// A CA; a server certificate signed by it for localhost and 127.0.0.1; a
/// client certificate signed by it; and a second, unrelated CA with a
/// client certificate of its own. All EC P-256, valid for a day, made with
/// the `openssl` command (Debian's openssl package) in a fresh private
/// directory that the destructor removes. Keys are mode 0600.
/// Throws std::runtime_error naming the command and its output when openssl
/// is missing or fails, so a test that needs them fails rather than skips.
class TestCertificates {
 public:
  TestCertificates();
  ~TestCertificates();
  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;

  const std::string& directory() const { return directory_; }
  /// Writes `content` to the file `name` in directory() with `mode`; returns its path.
  std::string write(const std::string& name, const std::string& content, unsigned mode = 0600) const;

  std::string ca;            ///< the CA's certificate (PEM)
  std::string serverCert;    ///< for DNS:localhost and IP:127.0.0.1, signed by `ca`
  std::string serverKey;
  std::string clientCert;    ///< CN=vitrine test client, signed by `ca`
  std::string clientKey;
  std::string otherCa;       ///< an unrelated CA
  std::string strangerCert;  ///< CN=stranger, signed by `otherCa`
  std::string strangerKey;
  std::string otherServerKey;  ///< a key that belongs to no certificate here

 private:
  /// Runs `command` through the shell in directory(); throws with its output on failure.
  void run(const std::string& command) const;

  std::string directory_;
};

}  // namespace vitrine::test
