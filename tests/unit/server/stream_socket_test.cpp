// StreamSocket over a real socketpair: what the connections rely on.
#include "net/stream_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <chrono>
#include <string>
#include <thread>

namespace vitrine {
namespace {

// Runs the event loop until `done()` or 10 s; true when done.
template <typename Predicate>
bool spinUntil(Predicate done) {
  QElapsedTimer clock;
  clock.start();
  while (!done() && clock.elapsed() < 10000) {
    QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
  }
  return done();
}

class StreamSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    socket_ = std::make_unique<StreamSocket>(fds[0]);
    peer_ = fds[1];
    QObject::connect(socket_.get(), &QIODevice::readyRead, [this] { ++readyReads_; });
    QObject::connect(socket_.get(), &StreamSocket::disconnected, [this] { ++disconnects_; });
  }
  void TearDown() override {
    socket_.reset();
    if (peer_ >= 0) ::close(peer_);
  }
  void peerSends(const std::string& bytes) {
    ASSERT_EQ(::write(peer_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  // Everything the peer can read now (non-blocking).
  std::string peerReceives() {
    std::string got;
    char chunk[65536];
    ssize_t n;
    while ((n = ::recv(peer_, chunk, sizeof chunk, MSG_DONTWAIT)) > 0) got.append(chunk, static_cast<std::size_t>(n));
    return got;
  }

  std::unique_ptr<StreamSocket> socket_;
  int peer_ = -1;
  int readyReads_ = 0;
  int disconnects_ = 0;
};

TEST_F(StreamSocketTest, SmallReadsComeFromOneReadAhead) {
  peerSends("headbody-of-the-call");
  ASSERT_TRUE(spinUntil([this] { return readyReads_ == 1; }));
  char header[4];
  ASSERT_EQ(socket_->read(header, 4), 4);
  EXPECT_EQ(std::string(header, 4), "head");
  char body[64];
  ASSERT_EQ(socket_->read(body, 16), 16);
  EXPECT_EQ(std::string(body, 16), "body-of-the-call");
  // Drained: nothing more to read, and no syscall is needed to say so.
  EXPECT_EQ(socket_->bytesAvailable(), 0);
  EXPECT_EQ(socket_->read(body, sizeof body), 0);
}

TEST_F(StreamSocketTest, ALargeReadGetsEveryByteInOrder) {
  std::string sent(3 << 20, '\0');
  for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>(i * 7919 % 251);
  std::thread writer([&] {
    std::size_t done = 0;
    while (done < sent.size()) {
      const ssize_t n = ::write(peer_, sent.data() + done, sent.size() - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  });
  std::string got;
  std::string chunk(1 << 20, '\0');
  const bool complete = spinUntil([&] {
    qint64 n;
    while ((n = socket_->read(chunk.data(), static_cast<qint64>(chunk.size()))) > 0) got.append(chunk.data(), n);
    return got.size() == sent.size();
  });
  writer.join();
  ASSERT_TRUE(complete) << got.size() << " of " << sent.size() << " bytes";
  EXPECT_TRUE(got == sent);
}

TEST_F(StreamSocketTest, AReaderThatStopsIsNotWokenAgainForTheSameBytes) {
  peerSends("unread");
  ASSERT_TRUE(spinUntil([this] { return readyReads_ == 1; }));
  // Not read: the socket says there is more, and stays quiet about it.
  EXPECT_GT(socket_->bytesAvailable(), 0);
  peerSends("more");
  QCoreApplication::processEvents(QEventLoop::AllEvents, 100);
  EXPECT_EQ(readyReads_, 1);
  char buffer[64];
  EXPECT_EQ(socket_->read(buffer, sizeof buffer), 10);
  EXPECT_EQ(std::string(buffer, 10), "unreadmore");
  // Drained by a short read: the next bytes are announced again.
  peerSends("next");
  EXPECT_TRUE(spinUntil([this] { return readyReads_ == 2; }));
}

TEST_F(StreamSocketTest, WhatTheKernelDoesNotTakeIsSentWhenThePeerReads) {
  const std::string reply(4 << 20, 'r');  // more than a socketpair buffers
  ASSERT_EQ(socket_->write(reply.data(), static_cast<qint64>(reply.size())), static_cast<qint64>(reply.size()));
  const qint64 buffered = socket_->bytesToWrite();
  EXPECT_GT(buffered, 0);
  qint64 reported = 0;
  QObject::connect(socket_.get(), &QIODevice::bytesWritten, [&](qint64 n) { reported += n; });
  std::string received;
  ASSERT_TRUE(spinUntil([&] {
    received += peerReceives();
    return received.size() == reply.size();
  }));
  EXPECT_TRUE(received == reply);
  EXPECT_EQ(socket_->bytesToWrite(), 0);
  EXPECT_EQ(reported, buffered);  // bytesWritten counts what waited, as it goes out
}

TEST_F(StreamSocketTest, ThePeerHangingUpIsOneDisconnected) {
  ::close(peer_);
  peer_ = -1;
  ASSERT_TRUE(spinUntil([this] { return readyReads_ == 1; }));
  char buffer[16];
  EXPECT_EQ(socket_->read(buffer, sizeof buffer), -1);
  EXPECT_FALSE(socket_->isConnected());
  ASSERT_TRUE(spinUntil([this] { return disconnects_ == 1; }));
  QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
  EXPECT_EQ(disconnects_, 1);
}

TEST_F(StreamSocketTest, DisconnectFromPeerSendsWhatWasWrittenThenCloses) {
  const std::string answer(1 << 20, 'a');
  socket_->write(answer.data(), static_cast<qint64>(answer.size()));
  socket_->disconnectFromPeer();
  EXPECT_EQ(socket_->write("late", 4), -1);  // nothing more is taken
  std::string received;
  ASSERT_TRUE(spinUntil([&] {
    received += peerReceives();
    return disconnects_ == 1 && received.size() == answer.size();
  }));
  EXPECT_TRUE(received == answer);
  char byte;
  EXPECT_EQ(::recv(peer_, &byte, 1, 0), 0);  // and then end of stream
}

TEST_F(StreamSocketTest, DisconnectFromPeerGivesUpOnAPeerThatDoesNotRead) {
  const std::string reply(4 << 20, 'u');  // more than a socketpair buffers: some must wait
  socket_->write(reply.data(), static_cast<qint64>(reply.size()));
  ASSERT_GT(socket_->bytesToWrite(), 0);
  socket_->disconnectFromPeer(std::chrono::milliseconds(50));
  ASSERT_TRUE(spinUntil([this] { return disconnects_ == 1; }));  // the peer never read
  EXPECT_FALSE(socket_->isConnected());
}

TEST_F(StreamSocketTest, AbortDropsWhatWasNotSent) {
  const std::string reply(4 << 20, 'x');
  socket_->write(reply.data(), static_cast<qint64>(reply.size()));
  socket_->abort();
  EXPECT_EQ(socket_->bytesToWrite(), 0);
  EXPECT_FALSE(socket_->isConnected());
  EXPECT_TRUE(spinUntil([this] { return disconnects_ == 1; }));
}

}  // namespace
}  // namespace vitrine
