#include "net/stream_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QTimer>
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/logging.h"
#include "net/tls_session.h"
#include "net/unsent_ledger.h"

namespace vitrine {

namespace {
// An unsent buffer that grew past this is freed once it is empty again, not kept.
constexpr std::size_t kKeptUnsentCapacity = 1u << 20;
}  // namespace

StreamSocket::StreamSocket(int fd, UnsentLedger* ledger, QObject* parent)
    : QIODevice(parent),
      fd_(fd),
      ledger_(ledger),
      readNotifier_(fd, QSocketNotifier::Read, this),
      writeNotifier_(fd, QSocketNotifier::Write, this) {
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  ::fcntl(fd_, F_SETFD, ::fcntl(fd_, F_GETFD) | FD_CLOEXEC);
  writeNotifier_.setEnabled(false);
  connect(&readNotifier_, &QSocketNotifier::activated, this, &StreamSocket::onReadable);
  connect(&writeNotifier_, &QSocketNotifier::activated, this, &StreamSocket::onWritable);
  QIODevice::open(QIODevice::ReadWrite | QIODevice::Unbuffered);
}

StreamSocket::StreamSocket(int fd, std::unique_ptr<TlsSession> tls, QString peerName, UnsentLedger* ledger,
                           QObject* parent)
    : StreamSocket(fd, ledger, parent) {
  tls_ = std::move(tls);
  peerName_ = std::move(peerName);
  // The read notifier is on: the ClientHello drives the handshake from there.
  QTimer::singleShot(kTlsHandshakeDeadline, this, [this] {
    if (fd_ >= 0 && !tls_->established()) {
      closeForTls(QStringLiteral("no TLS handshake within %1 s").arg(kTlsHandshakeDeadline.count()));
    }
  });
}

StreamSocket::~StreamSocket() {
  readNotifier_.setEnabled(false);
  writeNotifier_.setEnabled(false);
  dropUnsent();
  if (fd_ >= 0) ::close(fd_);
}

void StreamSocket::dropUnsent() {
  if (ledger_) ledger_->take(bytesToWrite());
  std::string().swap(unsent_);
  unsentBegin_ = 0;
}

void StreamSocket::releaseBuffers() {
  if (aheadBegin_ == aheadEnd_) {
    readAhead_.reset();
    aheadBegin_ = aheadEnd_ = 0;
  }
  if (unsentBegin_ == unsent_.size()) {
    std::string().swap(unsent_);
    unsentBegin_ = 0;
  }
}

qint64 StreamSocket::bytesAvailable() const {
  return static_cast<qint64>(aheadEnd_ - aheadBegin_) + (kernelMayHaveMore_ ? 1 : 0);
}

qint64 StreamSocket::bytesToWrite() const {
  return static_cast<qint64>(unsent_.size() - unsentBegin_);
}

qint64 StreamSocket::readData(char* data, qint64 maxSize) {
  const auto wanted = static_cast<std::size_t>(maxSize);
  std::size_t copied = 0;
  if (aheadBegin_ < aheadEnd_) {
    copied = std::min(wanted, aheadEnd_ - aheadBegin_);
    std::memcpy(data, readAhead_.get() + aheadBegin_, copied);
    aheadBegin_ += copied;
    if (copied == wanted) return static_cast<qint64>(copied);
  }
  // The read-ahead is empty now. A large read goes straight to the caller's
  // memory; a small one refills the read-ahead, so that the next small reads
  // (a frame's header, then its body) cost no syscall.
  const std::size_t rest = wanted - copied;
  qint64 got = 0;
  if (rest >= kReadAhead) {
    got = readFromKernel(data + copied, rest);
    if (got > 0) return static_cast<qint64>(copied) + got;
  } else {
    if (!readAhead_) readAhead_ = std::make_unique<char[]>(kReadAhead);
    got = readFromKernel(readAhead_.get(), kReadAhead);
    if (got > 0) {
      const std::size_t taken = std::min(rest, static_cast<std::size_t>(got));
      std::memcpy(data + copied, readAhead_.get(), taken);
      aheadBegin_ = taken;
      aheadEnd_ = static_cast<std::size_t>(got);
      return static_cast<qint64>(copied + taken);
    }
  }
  return copied > 0 ? static_cast<qint64>(copied) : got;
}

qint64 StreamSocket::readFromKernel(char* into, std::size_t size) {
  if (fd_ < 0) return -1;
  if (!kernelMayHaveMore_) return 0;  // drained since the last readyRead: the notifier will say when
  if (tls_) return readFromTls(into, size);
  while (true) {
    const ssize_t n = ::read(fd_, into, size);
    if (n > 0) {
      // A stream socket returns less than asked only when it had no more:
      // drained, so wait for the notifier instead of trying again.
      if (static_cast<std::size_t>(n) < size) {
        kernelMayHaveMore_ = false;
        readNotifier_.setEnabled(true);
      }
      return n;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      kernelMayHaveMore_ = false;
      readNotifier_.setEnabled(true);
      return 0;
    }
    closeNow();  // 0: the peer hung up; otherwise ECONNRESET and the like
    return -1;
  }
}

qint64 StreamSocket::readFromTls(char* into, std::size_t size) {
  std::size_t got = 0;
  switch (tls_->read(into, size, &got)) {
    case TlsSession::Outcome::Done:  // `size` met: OpenSSL or the kernel may hold more
      return static_cast<qint64>(got);
    case TlsSession::Outcome::WantRead:
      kernelMayHaveMore_ = false;
      readNotifier_.setEnabled(true);
      return static_cast<qint64>(got);
    case TlsSession::Outcome::WantWrite:
      kernelMayHaveMore_ = false;
      readWaitsForWritable_ = true;
      writeNotifier_.setEnabled(true);
      return static_cast<qint64>(got);
    case TlsSession::Outcome::Closed:
      closeNow();
      return -1;
    case TlsSession::Outcome::Failed:
      closeForTls(QStringLiteral("TLS error: %1").arg(tls_->failure()));
      return -1;
  }
  return -1;
}

qint64 StreamSocket::writeData(const char* data, qint64 size) {
  if (fd_ < 0 || closeWhenSent_) return -1;
  const auto length = static_cast<std::size_t>(size);
  std::size_t sent = 0;
  if (unsentBegin_ == unsent_.size()) {  // nothing waits: straight to the kernel
    const qint64 n = sendNow(data, length);
    if (n < 0) return -1;
    sent = static_cast<std::size_t>(n);
  }
  if (sent < length) {
    if (unsentBegin_ > 0 && unsentBegin_ >= unsent_.size() / 2) {
      unsent_.erase(0, unsentBegin_);  // what was sent goes before the buffer grows
      unsentBegin_ = 0;
    }
    unsent_.append(data + sent, length - sent);
    if (ledger_) ledger_->add(static_cast<std::int64_t>(length - sent));
    // During a TLS handshake the bytes wait for it, not for the kernel.
    if (!tls_ || tls_->established()) writeNotifier_.setEnabled(true);
  }
  return size;
}

qint64 StreamSocket::sendNow(const char* data, std::size_t size) {
  if (tls_) return sendTls(data, size);
  std::size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fd_, data + sent, size - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      closeNow();  // EPIPE, ECONNRESET: the peer is gone
      return -1;
    }
  }
  return static_cast<qint64>(sent);
}

qint64 StreamSocket::sendTls(const char* data, std::size_t size) {
  if (!tls_->established()) return 0;  // continueHandshake() sends them
  std::size_t sent = 0;
  switch (tls_->write(data, size, &sent)) {
    case TlsSession::Outcome::Done:
    case TlsSession::Outcome::WantWrite:  // the rest is offered again from unsent_
      return static_cast<qint64>(sent);
    case TlsSession::Outcome::Failed:
      closeForTls(QStringLiteral("TLS error: %1").arg(tls_->failure()));
      return -1;
    case TlsSession::Outcome::WantRead:  // reported as Failed by TlsSession
    case TlsSession::Outcome::Closed:
      closeNow();
      return -1;
  }
  return -1;
}

void StreamSocket::writePending() {
  qint64 written = 0;
  if (fd_ >= 0 && unsentBegin_ < unsent_.size()) {
    const qint64 n = sendNow(unsent_.data() + unsentBegin_, unsent_.size() - unsentBegin_);
    if (n > 0) {
      unsentBegin_ += static_cast<std::size_t>(n);
      written = n;
    }
  }
  if (ledger_ && written > 0) ledger_->take(written);
  const bool allSent = unsentBegin_ == unsent_.size();
  if (allSent) {
    if (unsent_.capacity() > kKeptUnsentCapacity) {
      std::string().swap(unsent_);  // a screenshot's worth is not kept for ever
    } else {
      unsent_.clear();
    }
    unsentBegin_ = 0;
  }
  writeNotifier_.setEnabled((!allSent || readWaitsForWritable_) && fd_ >= 0);
  if (written > 0) Q_EMIT bytesWritten(written);
  if (allSent && closeWhenSent_) closeNow();
}

void StreamSocket::flush() {
  if (unsentBegin_ < unsent_.size()) writePending();
}

void StreamSocket::abort() {
  dropUnsent();
  closeNow();
}

void StreamSocket::disconnectFromPeer(std::chrono::milliseconds patience) {
  closeWhenSent_ = true;
  kernelMayHaveMore_ = false;
  readNotifier_.setEnabled(false);
  if (unsentBegin_ == unsent_.size()) return closeNow();
  writePending();
  // A peer that does not read is not waited for forever (abort() after
  // closing is harmless).
  if (fd_ >= 0) QTimer::singleShot(patience, this, &StreamSocket::abort);
}

void StreamSocket::closeNow() {
  if (fd_ < 0) return;
  // Off before the descriptor goes: its number may be reused by the next accept.
  readNotifier_.setEnabled(false);
  writeNotifier_.setEnabled(false);
  if (tls_) tls_->close();  // close_notify when the session is sound; frees OpenSSL's buffers now
  ::close(fd_);
  fd_ = -1;
  kernelMayHaveMore_ = false;
  dropUnsent();  // nothing will ever send it now
  if (disconnectPosted_) return;
  disconnectPosted_ = true;
  QMetaObject::invokeMethod(this, &StreamSocket::disconnected, Qt::QueuedConnection);
}

void StreamSocket::closeForTls(const QString& reason) {
  if (fd_ < 0) return;
  qCWarning(lcRpc).noquote() << "closing connection" << peerName_ << "-" << reason;
  closeNow();
}

void StreamSocket::continueHandshake() {
  switch (tls_->handshake()) {
    case TlsSession::Outcome::Done:
      break;
    case TlsSession::Outcome::WantRead:
      writeNotifier_.setEnabled(false);
      readNotifier_.setEnabled(true);
      return;
    case TlsSession::Outcome::WantWrite:
      // Not the read notifier meanwhile: the bytes it would report cannot
      // be taken before ours are out, and it would fire again and again.
      readNotifier_.setEnabled(false);
      writeNotifier_.setEnabled(true);
      return;
    case TlsSession::Outcome::Closed:
      qCDebug(lcRpc).noquote() << "connection" << peerName_ << "hung up during the TLS handshake";
      return closeNow();
    case TlsSession::Outcome::Failed:
      return closeForTls(QStringLiteral("TLS handshake failed: %1").arg(tls_->failure()));
  }
  qCDebug(lcRpc).noquote() << "connection" << peerName_ << "-" << tls_->description();
  writeNotifier_.setEnabled(false);
  writePending();  // what was written while the handshake ran (and the close that waited for it)
  if (fd_ < 0 || closeWhenSent_) return;
  // The peer's first call may have come with its last handshake message,
  // and be in OpenSSL's buffer already, where no notifier can see it.
  readNotifier_.setEnabled(false);
  kernelMayHaveMore_ = true;
  Q_EMIT readyRead();
}

void StreamSocket::onReadable() {
  if (tls_ && !tls_->established()) return continueHandshake();
  // Off until a read drains the kernel: a reader that stops (its queue is
  // full) must not be woken again and again for the same bytes.
  readNotifier_.setEnabled(false);
  kernelMayHaveMore_ = true;
  Q_EMIT readyRead();
}

void StreamSocket::onWritable() {
  if (tls_) {
    if (!tls_->established()) return continueHandshake();
    if (readWaitsForWritable_) {
      // OpenSSL could not send what a read needed it to: the kernel takes bytes again, so read again.
      readWaitsForWritable_ = false;
      writePending();
      if (fd_ < 0 || closeWhenSent_) return;
      kernelMayHaveMore_ = true;
      Q_EMIT readyRead();
      return;
    }
  }
  writePending();
}

}  // namespace vitrine
