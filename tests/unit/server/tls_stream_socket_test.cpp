// StreamSocket speaking TLS over a real socketpair, with a real OpenSSL
// client in a thread of its own as the peer, and certificates made by the
// openssl command: the handshake driven by the notifiers, records read
// whole or in pieces, writes the kernel does not take, and peers that are
// not TLS clients.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "net/stream_socket.h"
#include "net/tls_context.h"
#include "net/tls_session.h"
#include "support/test_certificates.h"

namespace vitrine {
namespace {

using test::TestCertificates;

// Runs the event loop until `done()` or 20 s; true when done.
template <typename Predicate>
bool spinUntil(Predicate done) {
  QElapsedTimer clock;
  clock.start();
  while (!done() && clock.elapsed() < 20000) {
    QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
  }
  return done();
}

// `size` bytes that are not all alike, so a byte out of place shows.
std::string pattern(std::size_t size, int seed) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>((i * 7919 + static_cast<std::size_t>(seed)) % 251);
  }
  return bytes;
}

class TlsStreamSocketTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::signal(SIGPIPE, SIG_IGN);  // as vitrine-server does: OpenSSL writes with write(2)
    certificates_ = std::make_unique<TestCertificates>();
    QString error;
    context_ = TlsContext::load({QString::fromStdString(certificates_->serverCert),
                                 QString::fromStdString(certificates_->serverKey), {}},
                                &error);
    ASSERT_TRUE(context_) << error.toStdString();
  }
  static void TearDownTestSuite() {
    context_.reset();
    certificates_.reset();
  }

  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    std::unique_ptr<TlsSession> session = context_->newSession(fds[0]);
    ASSERT_TRUE(session);
    socket_ = std::make_unique<StreamSocket>(fds[0], std::move(session), QStringLiteral("test peer"));
    peerFd_ = fds[1];
    QObject::connect(socket_.get(), &QIODevice::readyRead, [this] { ++readyReads_; });
    QObject::connect(socket_.get(), &StreamSocket::disconnected, [this] { ++disconnects_; });

    clientContext_ = SSL_CTX_new(TLS_client_method());
    ASSERT_EQ(SSL_CTX_load_verify_locations(clientContext_, certificates_->ca.c_str(), nullptr), 1);
    SSL_CTX_set_verify(clientContext_, SSL_VERIFY_PEER, nullptr);
    peer_ = SSL_new(clientContext_);
    SSL_set_fd(peer_, peerFd_);
    SSL_set1_host(peer_, "localhost");
  }

  void TearDown() override {
    if (peerThread_.joinable()) peerThread_.join();
    socket_.reset();
    SSL_free(peer_);
    SSL_CTX_free(clientContext_);
    if (peerFd_ >= 0) ::close(peerFd_);
  }

  // Runs `work` in the peer's thread (blocking OpenSSL calls) while the test spins the event loop.
  template <typename Work>
  void peer(Work work) {
    peerThread_ = std::thread([this, work] {
      work();
      peerDone_ = true;
    });
  }
  bool peerConnect() { return SSL_connect(peer_) == 1; }
  // Writes `bytes` in records of at most `record` bytes.
  bool peerWrite(const std::string& bytes, std::size_t record = 16384) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      std::size_t n = 0;
      if (SSL_write_ex(peer_, bytes.data() + done, std::min(record, bytes.size() - done), &n) != 1) return false;
      done += n;
    }
    return true;
  }
  std::string peerRead(std::size_t size) {
    std::string got(size, '\0');
    std::size_t done = 0;
    while (done < size) {
      std::size_t n = 0;
      if (SSL_read_ex(peer_, got.data() + done, size - done, &n) != 1) break;
      done += n;
    }
    got.resize(done);
    return got;
  }
  // Everything the socket has now, read in pieces of `piece` bytes.
  std::string drain(std::size_t piece) {
    std::string got;
    std::string chunk(piece, '\0');
    qint64 n;
    while ((n = socket_->read(chunk.data(), static_cast<qint64>(chunk.size()))) > 0) got.append(chunk.data(), n);
    return got;
  }

  static inline std::unique_ptr<TestCertificates> certificates_;
  static inline std::shared_ptr<const TlsContext> context_;
  std::unique_ptr<StreamSocket> socket_;
  int peerFd_ = -1;
  SSL_CTX* clientContext_ = nullptr;
  SSL* peer_ = nullptr;
  std::thread peerThread_;
  std::atomic<bool> peerDone_ = false;
  int readyReads_ = 0;
  int disconnects_ = 0;
};

TEST_F(TlsStreamSocketTest, TheHandshakeRunsAsBytesArriveThenACallAndItsAnswer) {
  std::string answer;
  bool connected = false;
  peer([&] {
    connected = peerConnect();
    if (!connected) return;
    peerWrite("head+call");
    answer = peerRead(6);
  });
  std::string call;
  ASSERT_TRUE(spinUntil([&] {
    call += drain(4);  // small reads: the read-ahead
    return call.size() >= 9;
  }));
  EXPECT_EQ(call, "head+call");
  EXPECT_TRUE(socket_->isTls());
  EXPECT_EQ(socket_->write("answer", 6), 6);
  ASSERT_TRUE(spinUntil([&] { return peerDone_.load(); }));
  EXPECT_TRUE(connected);
  EXPECT_EQ(answer, "answer");
  EXPECT_EQ(disconnects_, 0);
}

TEST_F(TlsStreamSocketTest, ManyRecordsAreReadWholeAndInOrder) {
  const std::string sent = pattern(3 << 20, 1);  // about 200 records
  peer([&] {
    if (peerConnect()) peerWrite(sent);
  });
  std::string got;
  ASSERT_TRUE(spinUntil([&] {
    // A frame header, then a large body straight into the caller's memory.
    got += drain(got.empty() ? 4 : (1 << 20));
    return got.size() == sent.size();
  })) << got.size() << " of " << sent.size() << " bytes";
  EXPECT_TRUE(got == sent);
}

TEST_F(TlsStreamSocketTest, AReaderThatStopsFindsWhatOpenSslHoldsLater) {
  const std::string sent = pattern(100 * 1024, 2);  // less than a socketpair buffers: the peer is done at once
  peer([&] {
    // Records of 10000 bytes: the 64 KiB read-ahead ends inside one, whose
    // rest stays decrypted in OpenSSL (SSL_pending), out of any notifier's sight.
    if (peerConnect()) peerWrite(sent, 10000);
  });
  ASSERT_TRUE(spinUntil([this] { return readyReads_ >= 1 && peerDone_; }));
  // One small read, then none: decrypted or buffered bytes are left, and
  // the socket says so rather than waiting for a notifier that will not fire.
  char first[16];
  ASSERT_EQ(socket_->read(first, sizeof first), 16);
  QCoreApplication::processEvents(QEventLoop::AllEvents, 100);
  EXPECT_GT(socket_->bytesAvailable(), 0);
  std::string got(first, sizeof first);
  ASSERT_TRUE(spinUntil([&] {
    got += drain(64 * 1024);
    return got.size() == sent.size();
  }));
  EXPECT_TRUE(got == sent);
}

TEST_F(TlsStreamSocketTest, WhatTheKernelDoesNotTakeIsSentWhenThePeerReads) {
  std::promise<void> startReading;
  std::shared_future<void> mayRead = startReading.get_future().share();
  const std::string first = pattern(4 << 20, 3);  // more than a socketpair buffers
  const std::string second = pattern(1 << 20, 4);
  std::string received;
  peer([&] {
    if (!peerConnect()) return;
    peerWrite("go");
    mayRead.wait();  // a peer that reads late
    received = peerRead(first.size() + second.size());
  });
  std::string go;
  ASSERT_TRUE(spinUntil([&] {
    go += drain(16);
    return go == "go";
  }));
  ASSERT_EQ(socket_->write(first.data(), static_cast<qint64>(first.size())), static_cast<qint64>(first.size()));
  const qint64 waiting = socket_->bytesToWrite();
  EXPECT_GT(waiting, 0);
  // More while the rest waits: the buffer grows (and moves), and OpenSSL's
  // half-sent record must be offered again from its new place.
  ASSERT_EQ(socket_->write(second.data(), static_cast<qint64>(second.size())), static_cast<qint64>(second.size()));
  qint64 reported = 0;
  QObject::connect(socket_.get(), &QIODevice::bytesWritten, [&](qint64 n) { reported += n; });
  startReading.set_value();
  ASSERT_TRUE(spinUntil([&] { return peerDone_.load(); }));
  EXPECT_EQ(received.size(), first.size() + second.size());
  EXPECT_TRUE(received == first + second);
  EXPECT_EQ(socket_->bytesToWrite(), 0);
  EXPECT_EQ(reported, waiting + static_cast<qint64>(second.size()));
  EXPECT_EQ(disconnects_, 0);
}

TEST_F(TlsStreamSocketTest, APeerThatDoesNotSpeakTlsIsClosed) {
  static constexpr char kFramedPing[] = "\0\0\0\x11\x80\x01\x00\x01\0\0\0\x04ping\0\0\0\x01\0";
  const std::string framedPing(kFramedPing, sizeof kFramedPing - 1);  // a framed Thrift ping, not TLS
  ASSERT_EQ(::write(peerFd_, framedPing.data(), framedPing.size()), static_cast<ssize_t>(framedPing.size()));
  ASSERT_TRUE(spinUntil([this] { return disconnects_ == 1; }));
  EXPECT_FALSE(socket_->isConnected());
  EXPECT_EQ(readyReads_, 0);  // nothing reached the reader
}

TEST_F(TlsStreamSocketTest, AClientThatDoesNotTrustTheCertificateIsClosed) {
  SSL_CTX* trustsNothing = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(trustsNothing, SSL_VERIFY_PEER, nullptr);
  SSL* untrusting = SSL_new(trustsNothing);
  SSL_set_fd(untrusting, peerFd_);
  bool connected = true;
  peer([&] { connected = SSL_connect(untrusting) == 1; });
  ASSERT_TRUE(spinUntil([this] { return disconnects_ == 1 && peerDone_; }));
  EXPECT_FALSE(connected);
  EXPECT_EQ(readyReads_, 0);
  SSL_free(untrusting);
  SSL_CTX_free(trustsNothing);
}

TEST_F(TlsStreamSocketTest, ThePeerClosingIsOneDisconnected) {
  peer([&] {
    if (!peerConnect()) return;
    peerWrite("bye");
    SSL_shutdown(peer_);  // close_notify
  });
  std::string got;
  ASSERT_TRUE(spinUntil([&] {
    got += drain(16);
    return disconnects_ == 1;
  }));
  EXPECT_EQ(got, "bye");
  EXPECT_FALSE(socket_->isConnected());
  QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
  EXPECT_EQ(disconnects_, 1);
}

TEST_F(TlsStreamSocketTest, DisconnectFromPeerSendsWhatWasWrittenThenCloses) {
  const std::string answer = pattern(1 << 20, 5);
  std::string received;
  std::atomic<bool> handshaken = false;
  peer([&] {
    if (!peerConnect()) return;
    peerWrite("x");
    handshaken = true;
    received = peerRead(answer.size() + 1);  // one more than comes: ends at the close
  });
  std::string x;
  ASSERT_TRUE(spinUntil([&] {
    x += drain(16);
    return x == "x";
  }));
  socket_->write(answer.data(), static_cast<qint64>(answer.size()));
  socket_->disconnectFromPeer();
  EXPECT_EQ(socket_->write("late", 4), -1);
  ASSERT_TRUE(spinUntil([&] { return disconnects_ == 1 && peerDone_; }));
  EXPECT_TRUE(received == answer);
  // The socket said goodbye in TLS terms: close_notify, not a bare hang-up.
  EXPECT_NE(SSL_get_shutdown(peer_) & SSL_RECEIVED_SHUTDOWN, 0);
}

}  // namespace
}  // namespace vitrine
