// The server's TLS settings (--tls-cert, --tls-key, --tls-client-ca), loaded once at start-up.
#pragma once

#include <QString>
#include <QStringList>
#include <memory>

struct ssl_ctx_st;

namespace vitrine {

class TlsSession;

/// The OpenSSL context every tls: listener's connections are made from:
/// the server's certificate and key, and, with a client CA, the demand that
/// every client present a certificate that CA signed. TLS 1.2 at least; no
/// renegotiation, no session tickets or resumption (each connection
/// authenticates in full, and the server never writes unasked); compression
/// off. Read the files once, at start-up: replacing them needs a restart.
///
/// Owns the SSL_CTX. Immutable once loaded, and shared (std::shared_ptr)
/// by the listeners that use it. GUI thread only.
class TlsContext {
 public:
  /// The files named on the command line.
  struct Files {
    /// PEM: the server's certificate, then any intermediate certificates.
    QString certificate;
    /// PEM, unencrypted: the certificate's private key. Mode 0600 or stricter.
    QString key;
    /// PEM: the CA that signs client certificates; empty: clients present none.
    QString clientCa;
  };

  /// Loads and checks `files`. On failure returns nullptr and sets *error to
  /// one sentence naming the flag, the file and what is wrong: a file that
  /// is missing or unreadable, not PEM, a key that the group or others may
  /// access (or that is encrypted), a key that does not belong to the
  /// certificate, a client CA file without a certificate.
  static std::shared_ptr<const TlsContext> load(const Files& files, QString* error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  /// A server-side session over `fd` (an accepted, connected socket; not
  /// taken), or nullptr when OpenSSL cannot make one (out of memory).
  std::unique_ptr<TlsSession> newSession(int fd) const;

  /// True when clients must present a certificate signed by --tls-client-ca.
  bool verifiesClients() const { return verifiesClients_; }
  /// The certificate's subject, for the start-up log line ("CN=kiosk.lan").
  const QString& subject() const { return subject_; }
  /// What is doubtful but not fatal, one sentence each (a certificate that
  /// has expired or is not valid yet), for the start-up log.
  const QStringList& warnings() const { return warnings_; }

 private:
  TlsContext() = default;

  ssl_ctx_st* context_ = nullptr;
  bool verifiesClients_ = false;
  QString subject_;
  QStringList warnings_;
};

}  // namespace vitrine
