#include "support/test_certificates.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vitrine::test {

namespace {

// An EC P-256 key and its certificate request for `subject`, as NAME.key and NAME.csr.
std::string keyAndRequest(const std::string& name, const std::string& subject) {
  return "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj '" + subject +
         "' -keyout " + name + ".key -out " + name + ".csr";
}

// NAME.csr signed by the CA CA (CA.pem, CA.key) into NAME.pem, with the extensions of NAME.ext if `extensions`.
std::string sign(const std::string& name, const std::string& ca, bool extensions = false) {
  return "openssl x509 -req -days 1 -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca + ".key -CAcreateserial" +
         (extensions ? " -extfile " + name + ".ext" : std::string()) + " -out " + name + ".pem";
}

std::string selfSignedCa(const std::string& name, const std::string& subject) {
  return "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj '" + subject +
         "' -keyout " + name + ".key -out " + name + ".pem";
}

}  // namespace

TestCertificates::TestCertificates() {
  char pattern[] = "/tmp/vitrine-tls-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  directory_ = pattern;
  write("server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n", 0644);
  run(selfSignedCa("ca", "/CN=vitrine test CA"));
  run(keyAndRequest("server", "/CN=localhost"));
  run(sign("server", "ca", true));
  run(keyAndRequest("client", "/CN=vitrine test client"));
  run(sign("client", "ca"));
  run(selfSignedCa("other-ca", "/CN=another CA"));
  run(keyAndRequest("stranger", "/CN=stranger"));
  run(sign("stranger", "other-ca"));
  run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out other-server.key");
  for (const char* key : {"ca.key", "server.key", "client.key", "other-ca.key", "stranger.key", "other-server.key"}) {
    ::chmod((directory_ + "/" + key).c_str(), 0600);
  }
  const auto path = [this](const char* file) { return directory_ + "/" + file; };
  ca = path("ca.pem");
  serverCert = path("server.pem");
  serverKey = path("server.key");
  clientCert = path("client.pem");
  clientKey = path("client.key");
  otherCa = path("other-ca.pem");
  strangerCert = path("stranger.pem");
  strangerKey = path("stranger.key");
  otherServerKey = path("other-server.key");
}

TestCertificates::~TestCertificates() {
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::string TestCertificates::write(const std::string& name, const std::string& content, unsigned mode) const {
  const std::string file = directory_ + "/" + name;
  std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
  ::chmod(file.c_str(), static_cast<mode_t>(mode));
  return file;
}

void TestCertificates::run(const std::string& command) const {
  const std::string log = directory_ + "/openssl.log";
  const std::string line = "cd '" + directory_ + "' && " + command + " > openssl.log 2>&1";
  const int status = std::system(line.c_str());
  if (status != 0) {
    std::ifstream in(log);
    std::stringstream output;
    output << in.rdbuf();
    throw std::runtime_error("making the test certificates failed (is the openssl command installed?): `" +
                             command + "` exited with status " + std::to_string(status) + ": " + output.str());
  }
}

}  // namespace vitrine::test
