// One connection's server side of TLS, over its non-blocking descriptor.
#pragma once

#include <QString>
#include <cstddef>
#include <optional>

struct ssl_st;

namespace vitrine {

/// The OpenSSL session of one accepted TLS connection, read and written
/// through the connection's own non-blocking descriptor (OpenSSL's socket
/// BIO: no copy of ours between the kernel and OpenSSL). StreamSocket drives
/// it: each call does what it can now and says what it waits for, so the
/// socket knows which notifier to switch on; nothing here ever blocks or
/// waits.
///
/// Owns the SSL object (freed by close() and the destructor), not the
/// descriptor. GUI thread only (OpenSSL's error queue is per thread, and
/// every call here clears and reads it).
class TlsSession {
 public:
  /// What a call did, and what the session needs before more can happen.
  enum class Outcome {
    /// Done (the handshake finished; every byte asked for was read or written).
    Done,
    /// Wait until the descriptor is readable (the kernel holds nothing more for OpenSSL).
    WantRead,
    /// Wait until the descriptor is writable (the kernel takes nothing more now).
    WantWrite,
    /// The peer ended the session (close_notify, or hung up); nothing more will come.
    Closed,
    /// A TLS error (a peer that does not speak TLS, a certificate refused,
    /// a corrupt record); failure() says which. The session is unusable.
    Failed,
  };

  /// Takes `ssl`, a server-side SSL object already bound to the descriptor
  /// (TlsContext::newSession makes it).
  explicit TlsSession(ssl_st* ssl);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  /// Takes the handshake as far as the bytes at hand allow: Done once it
  /// has finished (established() from then on), WantRead/WantWrite when it
  /// waits for the peer or the kernel, Closed or Failed when it cannot finish.
  Outcome handshake();
  /// True once handshake() has answered Done.
  bool established() const { return established_; }

  /// Reads up to `size` bytes into `into`, record after record, and sets
  /// *got to the count. Done: `size` bytes were read and more may follow.
  /// WantRead/WantWrite: fewer (maybe none), and nothing more is at hand
  /// (OpenSSL's buffers are empty too, SSL_pending included). Closed and
  /// Failed: *got is 0, and every later call answers the same.
  Outcome read(char* into, std::size_t size, std::size_t* got);
  /// Writes up to `size` bytes of `data` and sets *sent to the count taken.
  /// Done: all of them. WantWrite: the kernel is full; the rest, starting
  /// at data + *sent, must be offered again later (it may be from another
  /// buffer holding the same bytes; OpenSSL keeps the record it had begun).
  /// WantRead (renegotiation, which is refused) is reported as Failed.
  Outcome write(const char* data, std::size_t size, std::size_t* sent);

  /// Sends close_notify if the session is established and healthy (once,
  /// without waiting for the peer's), then frees the SSL object. Every
  /// later call answers Closed. Harmless twice.
  void close();

  /// Why the last call answered Failed: OpenSSL's reasons, e.g. "wrong
  /// version number" or "peer did not return a certificate", with a hint
  /// for a peer that is not speaking TLS at all. One line, for a log.
  const QString& failure() const { return failure_; }
  /// The protocol and cipher, and the client certificate's subject when
  /// one was presented ("TLSv1.3 TLS_AES_256_GCM_SHA384, client CN=kiosk"),
  /// for a debug log line once established().
  QString description() const;

 private:
  /// Turns SSL_get_error's answer for the call that returned `result` into an Outcome (and failure_).
  Outcome outcomeOf(int result);

  ssl_st* ssl_;
  bool established_ = false;
  /// A fatal error happened: no close_notify may be sent.
  bool broken_ = false;
  /// Closed or Failed once seen: what every later read answers.
  std::optional<Outcome> ended_;
  QString failure_;
};

}  // namespace vitrine
