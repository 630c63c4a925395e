// One Thrift client connection, served in the GUI event loop.
#pragma once

#include <deque>
#include <memory>
#include <span>

#include "net/connection_shell.h"
#include "rpc/frame_decoder.h"
#include "net/request_limits.h"

namespace apache::thrift::async {
class TAsyncProcessor;
}

namespace vitrine {

struct ServerStats;
class ThriftCodec;

/// Reads framed Thrift calls from one socket (a StreamSocket, Unix, TCP or
/// TLS), hands them one at a time to its cob-style processor, and
/// writes each reply as a single frame, in order. The lifecycle, deadlines
/// and admission are ConnectionShell's.
///
/// - Non-blocking: reacts to readyRead/bytesWritten, never calls waitFor*.
/// - Every complete frame in a read is handled (pipelined calls all answer).
/// - One call in flight; later frames queue up to RequestLimits, then the socket
///   is no longer read until the queue drains (the kernel buffer fills and
///   the peer is slowed down by TCP/Unix flow control).
/// - A frame over --max-frame is received without being kept and answered
///   with a TApplicationException naming the limit, then the connection
///   closes (the clients raise LimitExceeded). Any other breach of the
///   protocol (an empty frame, not Thrift, unframed Thrift, a message the
///   protocol rejects) closes the connection with one log line.
/// - With Admission::AuthenticateFirst, only `authenticate` is served until
///   it succeeds, and frames are at most maxUnauthenticatedFrameBytes: any
///   other call is answered with a TApplicationException saying
///   authentication is required, and the connection closes; a wrong token
///   closes it after its AuthenticationFailed answer.
///
/// Ownership: takes the socket. Deletes itself (deleteLater) when the socket
/// disconnects or is dropped. A call still in flight then completes into the
/// void: its ThriftCodec lives on in the completion callback. GUI thread only.
class RpcConnection : public ConnectionShell {
  Q_OBJECT

 public:
  RpcConnection(StreamSocket* socket, Peer peer, const ProcessorFactory& makeProcessor, const RequestLimits& limits,
                ConnectionRegistry& registry, ServerStats& stats, Admission admission, QObject* parent = nullptr);
  ~RpcConnection() override;

  void releaseIdleMemory() override;

 private:
  void stopServing() override;
  void onAuthenticated() override;

  /// Before authentication: true when `frame` calls authenticate; otherwise
  /// answers "authentication required", closes, and returns false.
  bool admit(std::span<const char> frame);
  /// readyRead: reads into the queue, then serves it.
  void readAvailable();
  /// Reads frames into the queue until it is full or the socket is empty.
  /// False when the connection is closing (the peer broke the protocol).
  bool readIntoQueue();
  /// A frame over the limit: skip it, or close when it cannot be answered.
  void refuseOversizedFrame();
  /// The head of the oversized frame has come: drops the connection (and
  /// returns false) unless it starts a Thrift call that can be answered.
  bool oversizedFrameIsACall();
  /// The skipped oversized frame has gone by: answers it and closes.
  void answerOversizedFrame();
  /// Serves queued calls, refilling the queue from the socket, for one
  /// TurnBudget; then resumes from the event loop if there is more.
  void dispatchQueued();
  /// Continues dispatchQueued() from the event loop (once, however often asked).
  void resumeLater();
  void finishCall(bool ok);
  bool queueIsFull() const;

  RequestLimits limits_;
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
  /// The oversized frame being skipped starts with a call we can answer.
  bool oversizedHeadChecked_ = false;
};

}  // namespace vitrine
