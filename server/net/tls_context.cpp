#include "net/tls_context.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "net/tls_session.h"

namespace vitrine {

namespace {

// PEM files are a few kilobytes; a CA bundle a few hundred.
constexpr off_t kMaxPemFileBytes = 4 << 20;

// OpenSSL's reasons for the last failure, oldest first; empties its error queue.
QString openSslReasons() {
  QStringList reasons;
  while (const unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    reasons << (reason ? QString::fromLatin1(reason) : QStringLiteral("OpenSSL error %1").arg(code, 0, 16));
  }
  reasons.removeDuplicates();
  return reasons.isEmpty() ? QStringLiteral("no detail from OpenSSL") : reasons.join(QStringLiteral("; "));
}

// The content of the file at `path`, read through one descriptor (so the
// mode checked is the mode of the file read). With `privateKey`, a file
// the group or others may access is refused. Empty and *error set on failure.
std::string readPemFile(const QString& flag, const QString& path, bool privateKey, QString* error) {
  const QString where = QStringLiteral("%1 %2").arg(flag, path);
  const int fd = ::open(path.toLocal8Bit().constData(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    *error = QStringLiteral("%1: cannot open it: %2").arg(where, QString::fromLocal8Bit(std::strerror(errno)));
    return {};
  }
  std::string content;
  struct stat info{};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    *error = QStringLiteral("%1: not a regular file").arg(where);
  } else if (privateKey && (info.st_mode & 077) != 0) {
    *error = QStringLiteral("%1: mode %2 lets others read the private key; it must be 0600 or stricter "
                            "(chmod 600 %3)")
                 .arg(where)
                 .arg(info.st_mode & 07777, 4, 8, QLatin1Char('0'))
                 .arg(path);
  } else if (info.st_size > kMaxPemFileBytes) {
    *error = QStringLiteral("%1: %2 bytes is too large for a PEM file (at most %3)")
                 .arg(where)
                 .arg(info.st_size)
                 .arg(kMaxPemFileBytes);
  } else {
    content.resize(static_cast<std::size_t>(info.st_size));
    std::size_t size = 0;
    while (size < content.size()) {
      const ssize_t got = ::read(fd, content.data() + size, content.size() - size);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      size += static_cast<std::size_t>(got);
    }
    content.resize(size);
    if (content.empty()) *error = QStringLiteral("%1: the file is empty").arg(where);
  }
  ::close(fd);
  if (!error->isEmpty()) return {};
  return content;
}

// Frees an OpenSSL object on every way out.
template <typename T, void (*Free)(T*)>
struct Owned {
  T* value;
  explicit Owned(T* v) : value(v) {}
  ~Owned() {
    if (value) Free(value);
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
};

void freeBio(BIO* bio) {
  BIO_free(bio);
}

// A passphrase prompt on the terminal would block start-up: refuse instead, and note that it was asked for.
int refusePassphrase(char*, int, int, void* asked) {
  *static_cast<bool*>(asked) = true;
  return -1;
}

}  // namespace

TlsContext::~TlsContext() {
  if (context_) SSL_CTX_free(context_);
}

std::shared_ptr<const TlsContext> TlsContext::load(const Files& files, QString* error) {
  error->clear();
  std::shared_ptr<TlsContext> tls(new TlsContext);
  ERR_clear_error();
  tls->context_ = SSL_CTX_new(TLS_server_method());
  SSL_CTX* context = tls->context_;
  if (!context) {
    *error = QStringLiteral("cannot set up TLS: %1").arg(openSslReasons());
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET |
                                   SSL_OP_CIPHER_SERVER_PREFERENCE |
                                   // A client that closes without close_notify (the C++ client does,
                                   // so as never to wait for the server's) is a plain hang-up.
                                   SSL_OP_IGNORE_UNEXPECTED_EOF);
  // No resumption: a session ticket would be bytes written after the
  // handshake that no call asked for, which clients take for a closed or
  // confused connection (they check an idle connection for unread bytes).
  SSL_CTX_set_num_tickets(context, 0);
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  // StreamSocket offers unsent bytes again from its own buffer, which moves
  // as it grows; records go to the kernel one by one; an idle connection
  // gives its buffers back; one read(2) fetches several records.
  SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_read_ahead(context, 1);

  // The certificate chain.
  const QString certFlag = QStringLiteral("--tls-cert");
  const std::string certificatePem = readPemFile(certFlag, files.certificate, false, error);
  if (!error->isEmpty()) return nullptr;
  {
    Owned<BIO, freeBio> bio(BIO_new_mem_buf(certificatePem.data(), static_cast<int>(certificatePem.size())));
    X509* certificate = PEM_read_bio_X509_AUX(bio.value, nullptr, nullptr, nullptr);
    if (!certificate || SSL_CTX_use_certificate(context, certificate) != 1) {
      X509_free(certificate);
      *error = QStringLiteral("%1 %2: not a PEM certificate (%3)").arg(certFlag, files.certificate, openSslReasons());
      return nullptr;
    }
    char subject[256];
    X509_NAME_oneline(X509_get_subject_name(certificate), subject, sizeof subject);
    tls->subject_ = QString::fromUtf8(subject);
    if (X509_cmp_current_time(X509_get0_notAfter(certificate)) < 0) {
      tls->warnings_ << QStringLiteral("the certificate in %1 has expired: clients will refuse it")
                            .arg(files.certificate);
    } else if (X509_cmp_current_time(X509_get0_notBefore(certificate)) > 0) {
      tls->warnings_ << QStringLiteral("the certificate in %1 is not valid yet: clients will refuse it")
                            .arg(files.certificate);
    }
    X509_free(certificate);
    // Intermediate certificates after it, if any.
    while (X509* intermediate = PEM_read_bio_X509(bio.value, nullptr, nullptr, nullptr)) {
      if (SSL_CTX_add0_chain_cert(context, intermediate) != 1) {
        X509_free(intermediate);
        *error = QStringLiteral("%1 %2: %3").arg(certFlag, files.certificate, openSslReasons());
        return nullptr;
      }
    }
    ERR_clear_error();  // the loop ends on "no start line"
  }

  // The private key.
  const QString keyFlag = QStringLiteral("--tls-key");
  std::string keyPem = readPemFile(keyFlag, files.key, true, error);
  if (!error->isEmpty()) return nullptr;
  {
    Owned<BIO, freeBio> bio(BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size())));
    bool passphraseAsked = false;
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.value, nullptr, refusePassphrase, &passphraseAsked);
    OPENSSL_cleanse(keyPem.data(), keyPem.size());
    if (!key) {
      *error = passphraseAsked
                   ? QStringLiteral("%1 %2: the key is encrypted with a passphrase; give the server an unencrypted "
                                    "copy only it can read (openssl pkey -in %2 -out FILE; chmod 600 FILE)")
                         .arg(keyFlag, files.key)
                   : QStringLiteral("%1 %2: not a PEM private key (%3)").arg(keyFlag, files.key, openSslReasons());
      ERR_clear_error();
      return nullptr;
    }
    const int used = SSL_CTX_use_PrivateKey(context, key);
    EVP_PKEY_free(key);
    if (used != 1 || SSL_CTX_check_private_key(context) != 1) {
      ERR_clear_error();
      *error = QStringLiteral("%1 %2 does not belong to the certificate in --tls-cert %3 (the key and the "
                              "certificate must be a pair)")
                   .arg(keyFlag, files.key, files.certificate);
      return nullptr;
    }
  }

  // The CA that signs client certificates.
  if (!files.clientCa.isEmpty()) {
    const QString caFlag = QStringLiteral("--tls-client-ca");
    const std::string caPem = readPemFile(caFlag, files.clientCa, false, error);
    if (!error->isEmpty()) return nullptr;
    Owned<BIO, freeBio> bio(BIO_new_mem_buf(caPem.data(), static_cast<int>(caPem.size())));
    STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(bio.value, nullptr, nullptr, nullptr);
    X509_STORE* store = SSL_CTX_get_cert_store(context);
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    int certificates = 0;
    for (int i = 0; infos && i < sk_X509_INFO_num(infos); ++i) {
      X509* certificate = sk_X509_INFO_value(infos, i)->x509;
      if (!certificate) continue;
      ++certificates;
      X509_STORE_add_cert(store, certificate);
      if (names) sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(certificate)));
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    if (certificates == 0) {
      sk_X509_NAME_pop_free(names, X509_NAME_free);
      ERR_clear_error();
      *error = QStringLiteral("%1 %2: no PEM certificate in it").arg(caFlag, files.clientCa);
      return nullptr;
    }
    // The names the server asks for in its CertificateRequest, so a client
    // with several certificates can pick the right one.
    SSL_CTX_set_client_CA_list(context, names);
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    tls->verifiesClients_ = true;
  }
  ERR_clear_error();
  return tls;
}

std::unique_ptr<TlsSession> TlsContext::newSession(int fd) const {
  SSL* ssl = SSL_new(context_);
  if (!ssl) {
    ERR_clear_error();
    return nullptr;
  }
  if (SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    ERR_clear_error();
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return std::make_unique<TlsSession>(ssl);
}

}  // namespace vitrine
