// One accepted connection's socket (Unix, TCP or TLS), read and written
// through its file descriptor on the GUI thread.
#pragma once

#include <QIODevice>
#include <QSocketNotifier>
#include <QString>
#include <chrono>
#include <memory>
#include <string>

namespace vitrine {

class UnsentLedger;
class TlsSession;

/// A connected stream socket served on the GUI thread, over its file
/// descriptor, for the Thrift and AMP connections.
///
/// Why not QLocalSocket/QTcpSocket: Qt's sockets read everything the kernel
/// has into a ring buffer of their own (an ioctl and a read per wake-up), and
/// the connection then copies it out again. For a 1920x1080 picture that
/// second copy of 8 MB was half the server's instructions, and for a small
/// call the ioctl was one syscall in four. Here:
/// - A read of 64 KiB or more goes straight from the kernel into the
///   caller's memory (a frame's body lands in its FrameBytes).
/// - Smaller reads are served from a 64 KiB read-ahead, so a small call's
///   header and body cost one read(2) together.
/// - A read that returns less than it asked for has drained the kernel: the
///   read notifier is switched back on and nothing more is tried until it
///   fires, so a call costs poll, read, write and nothing else.
/// - Writes go out at once; what the kernel does not take waits in a buffer
///   that the write notifier drains, emitting bytesWritten() as it goes.
///
/// readyRead() is emitted when the kernel has bytes; the reader need not
/// take them all (a connection with a full queue stops): bytesAvailable() is
/// then non-zero, and readyRead() is not emitted again until a read has
/// drained the kernel. That is what makes a peer that outruns the server meet
/// flow control rather than the server's memory.
///
/// Unsent bytes are counted in an UnsentLedger shared by every socket, so the
/// server can bound what all peers that do not read hold together; the
/// buffer they wait in is given back once they have gone out, when it grew
/// past 1 MiB (a screenshot's worth), and on releaseBuffers().
///
/// TLS (a tls: listener): the same, through a TlsSession over the same
/// descriptor. The handshake runs as the peer's bytes arrive, driven by the
/// notifiers like everything else; readyRead() comes only once it has
/// finished, and what is written before then waits. A read asks OpenSSL for
/// records until the size is met or OpenSSL says the kernel is drained, so
/// "fewer than asked" still means "wait for the notifier"; what OpenSSL has
/// decrypted but not handed out (SSL_pending) keeps bytesAvailable()
/// non-zero. A handshake that fails (a plain Thrift or AMP client, a refused
/// certificate) or has not finished within kTlsHandshakeDeadline closes the
/// socket with one log line; a plain socket pays for none of this beyond a
/// pointer test.
///
/// Opened ReadWrite and Unbuffered. Owns the descriptor (closed by abort(),
/// by disconnectFromPeer() once the unsent bytes are out, on the peer's
/// hang-up or an I/O error, and by the destructor) and the TlsSession.
/// GUI thread only.
class StreamSocket : public QIODevice {
  Q_OBJECT

 public:
  /// How long a TLS peer has, from the accept, to finish its handshake.
  static constexpr std::chrono::seconds kTlsHandshakeDeadline{10};

  /// Takes `fd`, an accepted, connected stream socket; makes it non-blocking.
  /// Takes `fd`, an accepted, connected stream socket; makes it non-blocking.
  /// `ledger` (may be null; must outlive the socket) counts its unsent bytes.
  explicit StreamSocket(int fd, UnsentLedger* ledger = nullptr, QObject* parent = nullptr);
  /// The same, speaking TLS through `tls` (a server-side session over
  /// `fd`); `peerName` names the peer in the TLS log lines.
  StreamSocket(int fd, std::unique_ptr<TlsSession> tls, QString peerName, UnsentLedger* ledger = nullptr,
               QObject* parent = nullptr);
  ~StreamSocket() override;

  bool isSequential() const override { return true; }
  /// Bytes read ahead, plus 1 while the kernel may hold more (readyRead()
  /// fired and no read has drained it since): non-zero means "read again".
  qint64 bytesAvailable() const override;
  /// Bytes written but not yet taken by the kernel.
  qint64 bytesToWrite() const override;

  /// Writes what it can of the unsent bytes now; never blocks.
  void flush();
  /// Closes now, dropping unsent bytes; disconnected() follows.
  void abort();
  /// Stops reading and closes once the unsent bytes are out (at once if
  /// there are none), or after `patience` if the peer does not read them
  /// (then they are dropped); disconnected() follows.
  void disconnectFromPeer(std::chrono::milliseconds patience = std::chrono::seconds(5));
  /// False once closed, for whatever reason.
  bool isConnected() const { return fd_ >= 0; }
  /// Frees the read-ahead when it holds nothing, and the unsent buffer when
  /// it is empty: for a connection that has gone idle.
  void releaseBuffers();
  /// True for a socket made with a TlsSession (whether or not its handshake has finished).
  bool isTls() const { return tls_ != nullptr; }

 Q_SIGNALS:
  /// The socket is closed: the peer hung up, an I/O error, abort() or
  /// disconnectFromPeer(). Emitted once, from the event loop (never from
  /// inside a read or write of the caller).
  void disconnected();

 protected:
  qint64 readData(char* data, qint64 maxSize) override;
  qint64 writeData(const char* data, qint64 size) override;

 private:
  /// One read(2) of up to `size` bytes into `into` (TLS: readFromTls);
  /// updates the drained state. Returns the count, 0 when there is nothing
  /// now, -1 when closed.
  qint64 readFromKernel(char* into, std::size_t size);
  /// readFromKernel() through the TlsSession.
  qint64 readFromTls(char* into, std::size_t size);
  /// Sends what the kernel takes of `data` now (TLS: sendTls); the count,
  /// or -1 once an error has closed the socket.
  qint64 sendNow(const char* data, std::size_t size);
  /// sendNow() through the TlsSession; 0 until the handshake has finished.
  qint64 sendTls(const char* data, std::size_t size);
  /// Sends unsent_ until it is empty or the kernel is full; closes on an error.
  void writePending();
  /// Takes the TLS handshake as far as it goes now; on success serves what
  /// waits (bytes read along with the handshake, writes made before it).
  void continueHandshake();
  /// Closes with one log line naming the peer: a TLS failure or the deadline.
  void closeForTls(const QString& reason);
  /// Closes the descriptor and posts disconnected() (once).
  void closeNow();
  /// Forgets every unsent byte (the ledger too), freeing the buffer.
  void dropUnsent();
  void onReadable();
  void onWritable();

  static constexpr std::size_t kReadAhead = 64 * 1024;

  int fd_;
  UnsentLedger* ledger_;
  QSocketNotifier readNotifier_;
  QSocketNotifier writeNotifier_;
  /// The kernel may hold unread bytes: readyRead() was emitted and no read has come back short since.
  bool kernelMayHaveMore_ = false;
  std::unique_ptr<char[]> readAhead_;
  std::size_t aheadBegin_ = 0;
  std::size_t aheadEnd_ = 0;
  /// Written but not yet sent: unsent_[unsentBegin_..].
  std::string unsent_;
  std::size_t unsentBegin_ = 0;
  bool closeWhenSent_ = false;
  bool disconnectPosted_ = false;
  /// Null for a plain socket.
  std::unique_ptr<TlsSession> tls_;
  /// For the TLS log lines.
  QString peerName_;
  /// A TLS read needs the kernel to take bytes first (OpenSSL answers a
  /// key update): the write notifier is on for it, and retries the read.
  bool readWaitsForWritable_ = false;
};

}  // namespace vitrine
