#include "net/tls_session.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <QStringList>
#include <cerrno>
#include <cstring>

namespace vitrine {

namespace {

// OpenSSL's reasons for a first record that is not TLS: what a client
// speaking plain Thrift, AMP or HTTP to a tls: listener gets.
bool meansNotTls(int reason) {
  switch (reason) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_UNKNOWN_PROTOCOL:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_RECORD_LENGTH_MISMATCH:
    case SSL_R_UNSUPPORTED_PROTOCOL:
      return true;
    default:
      return false;
  }
}

// Every error on OpenSSL's queue, oldest first, as one line; empties the queue.
QString takeErrors(bool* notTls) {
  QStringList reasons;
  while (const unsigned long code = ERR_get_error()) {
    if (ERR_GET_LIB(code) == ERR_LIB_SSL && meansNotTls(ERR_GET_REASON(code))) *notTls = true;
    const char* reason = ERR_reason_error_string(code);
    reasons << (reason ? QString::fromLatin1(reason) : QStringLiteral("OpenSSL error %1").arg(code, 0, 16));
  }
  reasons.removeDuplicates();
  return reasons.join(QStringLiteral("; "));
}

}  // namespace

TlsSession::TlsSession(ssl_st* ssl) : ssl_(ssl) {}

TlsSession::~TlsSession() {
  if (ssl_) SSL_free(ssl_);
}

TlsSession::Outcome TlsSession::handshake() {
  if (established_) return Outcome::Done;
  if (!ssl_) return Outcome::Closed;
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    established_ = true;
    return Outcome::Done;
  }
  return outcomeOf(result);
}

TlsSession::Outcome TlsSession::read(char* into, std::size_t size, std::size_t* got) {
  *got = 0;
  if (ended_) return *ended_;
  if (!ssl_) return Outcome::Closed;
  // One record per SSL_read (16 KiB at most): go on until `size` is filled
  // or OpenSSL says the kernel has nothing more, so that "fewer than asked"
  // means "drained", as it does for read(2) on a plain socket.
  while (*got < size) {
    ERR_clear_error();
    std::size_t n = 0;
    const int result = SSL_read_ex(ssl_, into + *got, size - *got, &n);
    if (result == 1) {
      *got += n;
      continue;
    }
    const Outcome outcome = outcomeOf(result);
    if (outcome == Outcome::WantRead || outcome == Outcome::WantWrite) return outcome;
    // The end: the bytes read before it are returned now, the end next time.
    ended_ = outcome;
    return *got > 0 ? Outcome::Done : outcome;
  }
  return Outcome::Done;
}

TlsSession::Outcome TlsSession::write(const char* data, std::size_t size, std::size_t* sent) {
  *sent = 0;
  if (ended_) return *ended_;
  if (!ssl_) return Outcome::Closed;
  while (*sent < size) {
    ERR_clear_error();
    std::size_t n = 0;
    // SSL_MODE_ENABLE_PARTIAL_WRITE: each record that reaches the kernel counts.
    const int result = SSL_write_ex(ssl_, data + *sent, size - *sent, &n);
    if (result == 1) {
      *sent += n;
      continue;
    }
    Outcome outcome = outcomeOf(result);
    if (outcome == Outcome::WantRead) {
      // Only a renegotiation makes a write wait for a read, and the context refuses those.
      failure_ = QStringLiteral("the peer started a renegotiation, which vitrine does not do");
      broken_ = true;
      outcome = Outcome::Failed;
    }
    if (outcome == Outcome::Closed || outcome == Outcome::Failed) ended_ = outcome;
    return outcome;
  }
  return Outcome::Done;
}

void TlsSession::close() {
  if (!ssl_) return;
  if (established_ && !broken_) {
    // One try, no waiting: the peer's own close_notify is not needed (a
    // framed protocol knows where its messages end), and the descriptor is
    // closed right after.
    ERR_clear_error();
    SSL_shutdown(ssl_);
    ERR_clear_error();
  }
  SSL_free(ssl_);
  ssl_ = nullptr;
}

QString TlsSession::description() const {
  if (!ssl_) return {};
  QString text = QStringLiteral("%1 %2").arg(QString::fromLatin1(SSL_get_version(ssl_)),
                                            QString::fromLatin1(SSL_get_cipher_name(ssl_)));
  if (X509* certificate = SSL_get_peer_certificate(ssl_)) {
    char subject[256];
    X509_NAME_oneline(X509_get_subject_name(certificate), subject, sizeof subject);
    text += QStringLiteral(", client %1").arg(QString::fromUtf8(subject));
    X509_free(certificate);
  }
  return text;
}

TlsSession::Outcome TlsSession::outcomeOf(int result) {
  const int savedErrno = errno;
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
      return Outcome::WantRead;
    case SSL_ERROR_WANT_WRITE:
      return Outcome::WantWrite;
    case SSL_ERROR_ZERO_RETURN:
      return Outcome::Closed;  // close_notify, or (SSL_OP_IGNORE_UNEXPECTED_EOF) a plain hang-up
    case SSL_ERROR_SYSCALL: {
      // The descriptor failed (ECONNRESET, EPIPE): the peer is gone, which
      // is no TLS fault. With an error on OpenSSL's queue, it is one.
      broken_ = true;
      bool notTls = false;
      const QString reasons = takeErrors(&notTls);
      if (reasons.isEmpty()) return Outcome::Closed;
      failure_ = reasons;
      return Outcome::Failed;
    }
    default: {
      broken_ = true;
      bool notTls = false;
      failure_ = takeErrors(&notTls);
      if (failure_.isEmpty()) {
        failure_ = QStringLiteral("TLS error (%1)").arg(QString::fromLocal8Bit(std::strerror(savedErrno)));
      }
      if (notTls && !established_) {
        failure_ += QStringLiteral(" (the peer does not speak TLS: plain Thrift or AMP on a tls: listener?)");
      }
      return Outcome::Failed;
    }
  }
}

}  // namespace vitrine
