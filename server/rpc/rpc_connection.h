// One Thrift client connection, served in the GUI event loop.
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>
#include <deque>
#include <memory>
#include <vector>

#include "rpc/frame_decoder.h"
#include "rpc/rpc_limits.h"
#include "service/caller.h"

namespace apache::thrift::async {
class TAsyncProcessor;
}

namespace vitrine {

struct ServerStats;
class StreamSocket;
class ThriftCodec;

/// Reads framed Thrift calls from one socket (a StreamSocket, Unix or TCP),
/// hands them one at a time to the shared cob-style processor, and writes
/// each reply as a single frame, in order.
///
/// - Non-blocking: reacts to readyRead/bytesWritten, never calls waitFor*.
/// - Every complete frame in a read is handled (pipelined calls all answer).
/// - One call in flight; later frames queue up to RpcLimits, then the socket
///   is no longer read until the queue drains (the kernel buffer fills and
///   the peer is slowed down by TCP/Unix flow control).
/// - A peer that breaks the protocol (frame too large or empty, not Thrift,
///   a message the protocol rejects) loses its connection with one log line.
/// - With Admission::AuthenticateFirst, only `authenticate` is served until
///   it succeeds: any other call is answered with a TApplicationException
///   saying authentication is required, and the connection closes; a wrong
///   token closes it after its AuthenticationFailed answer.
///
/// Ownership: takes the socket (reparents it to this). Deletes itself
/// (deleteLater) when the socket disconnects or is dropped. A call still in
/// flight then completes into the void: its ThriftCodec lives on in the
/// completion callback. GUI thread only.
class RpcConnection : public QObject, public AuthenticatingCaller, public CallerOrigin {
  Q_OBJECT

 public:
  RpcConnection(StreamSocket* socket, QString peerName, std::shared_ptr<apache::thrift::async::TAsyncProcessor> processor,
                const RpcLimits& limits, ServerStats& stats, Admission admission, QObject* parent = nullptr);
  ~RpcConnection() override;

  /// Closes the connection now (answers in flight are dropped).
  void close();

  /// A human-readable name of the peer for logs ("unix:/path#3", "tcp:127.0.0.1:5555").
  const QString& peerName() const { return peerName_; }

  void authenticationSucceeded() override;
  void authenticationFailed() override;
  /// The listener's mark on the socket (StreamSocket::isRemote()).
  bool isRemote() const override;

 private:
  /// Before authentication: true when `frame` calls authenticate; otherwise
  /// answers "authentication required", closes, and returns false.
  bool admit(std::span<const char> frame);
  /// Stops serving, and closes once the answers written so far have gone.
  void closeAfterWriting(const QString& reason);
  /// readyRead: reads into the queue, then serves it.
  void readAvailable();
  /// Reads frames into the queue until it is full or the socket is empty.
  /// False when the peer broke the protocol (the connection is dropped).
  bool readIntoQueue();
  /// Serves queued calls, refilling the queue from the socket, for one
  /// TurnBudget; then resumes from the event loop if there is more.
  void dispatchQueued();
  /// Continues dispatchQueued() from the event loop (once, however often asked).
  void resumeLater();
  void finishCall(bool ok);
  void drop(const QString& reason);
  bool queueIsFull() const;

  StreamSocket* socket_;
  QString peerName_;
  std::shared_ptr<apache::thrift::async::TAsyncProcessor> processor_;
  RpcLimits limits_;
  ServerStats& stats_;
  FrameDecoder decoder_;
  std::deque<FrameBytes> queued_;
  std::size_t queuedBytes_ = 0;
  /// Created from the first frame, which decides binary or compact.
  std::shared_ptr<ThriftCodec> codec_;
  bool callInFlight_ = false;
  /// True while dispatchQueued() runs, so a call that completes synchronously
  /// does not recurse into it (thousands of pipelined calls would overflow the stack).
  bool dispatching_ = false;
  bool resumePosted_ = false;
  /// Queued calls wait for the peer to read our replies (maxUnsentReplyBytes).
  bool waitingForDrain_ = false;
  bool closing_ = false;
  /// Set from the start for Admission::Open; else by authenticate.
  bool authenticated_ = false;
  /// A wrong token: close once the answer to it is written.
  bool closeAfterReply_ = false;
};

}  // namespace vitrine
