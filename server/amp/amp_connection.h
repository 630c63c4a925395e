// One AMP peer (Twisted, ampy, a PyGraphics client), served in the GUI event loop.
#pragma once

#include <QObject>
#include <QString>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "amp/amp_box.h"
#include "net/connection_shell.h"
#include "service/caller.h"
#include "vitrine/api/vitrine_types.h"


namespace apache::thrift::async {
class TAsyncProcessor;
}
namespace apache::thrift::transport {
class TMemoryBuffer;
}

namespace vitrine {

class AmpSchema;
struct AmpCommand;
class StreamSocket;
class ThriftCodec;
struct ServerStats;

namespace api {
class VitrineEventsClient;
}

/// Limits of one AMP connection, fixed at start-up.
struct AmpLimits {
  /// What one box may hold (its keys + values: --max-frame; its key count).
  AmpBoxLimits box;
  /// Commands being served at once (dialogs and page loads wait); past
  /// this the connection is not read until one answers (backpressure).
  std::size_t maxCommandsInFlight = 1024;
  /// Unsent bytes after which no more commands are read or events pushed
  /// until the peer reads.
  std::size_t maxUnsentBytes = 16u << 20;
  /// Event commands pushed and not yet answered by the peer.
  std::size_t maxUnansweredEvents = 64;
  /// What one box may hold before the connection has authenticated (when it
  /// must): an authenticate command (the token is at most 4 KiB) and no more.
  AmpBoxLimits unauthenticatedBox{.maxBoxBytes = 8u << 10, .maxKeysPerBox = 16};
};

/// Reads AMP boxes from one socket, translates each command through the
/// schema into a Thrift call for its processor (the same service code
/// as Thrift clients), and writes each answer or error as a box tagged with
/// the ask's `_ask`. Commands are served concurrently, as AMP allows: a
/// waiting dialog does not hold up the next command; answers go out as they
/// complete. A command without `_ask` is served but not answered.
///
/// Pushes events to the peer as `Event` commands once it calls
/// subscribeEvents (EventSubscriber), with at most maxUnansweredEvents
/// waiting for the peer's answer.
///
/// A box over the limits (--max-frame bytes, 10,000 keys) is read to its
/// end without being kept, answered `_error` LIMIT_EXCEEDED naming the limit
/// (when it had `_ask`), and the connection closes. A peer that otherwise
/// breaks the protocol (a key over 255 bytes, an empty box, a box that is
/// neither command nor answer, an answer to a tag never asked) loses its
/// connection with one log line. The lifecycle, deadlines and admission are
/// ConnectionShell's.
///
/// With Admission::AuthenticateFirst, only `authenticate` is served until it
/// succeeds, one box at a time and each within AmpLimits::unauthenticatedBox:
/// any other box is answered `_error` AUTHENTICATION_REQUIRED (when it has
/// `_ask`) and the connection closes; a wrong token closes it after its
/// AUTHENTICATION_FAILED error.
///
/// Ownership: takes the socket (reparents it). Deletes itself (deleteLater)
/// when the socket disconnects or is dropped; commands still being served
/// then complete into the void. GUI thread only.
class AmpConnection : public ConnectionShell, public EventSubscriber {
  Q_OBJECT

 public:
  AmpConnection(StreamSocket* socket, Peer peer, std::shared_ptr<const AmpSchema> schema,
                const ProcessorFactory& makeProcessor, const AmpLimits& limits, ConnectionRegistry& registry,
                ServerStats& stats, Admission admission, QObject* parent = nullptr);
  ~AmpConnection() override;

  // Caller: events can be pushed to an AMP peer.
  EventSubscriber* eventSubscriber() override { return this; }

  // EventSubscriber
  void subscribeEvents(EventLog& log, std::int64_t afterSequence) override;
  void unsubscribeEvents() override;

  void releaseIdleMemory() override;

 private:
  void stopServing() override;
  void onAuthenticated() override;

  /// Before authentication: answers AUTHENTICATION_REQUIRED (if asked) and
  /// closes once that has gone out.
  void refuseUnauthenticated(const AmpBox& box);
  /// The decoder stopped at `status`: answers an oversized box, then closes.
  void refuseBox(AmpBoxDecoder::Status status);
  /// Serves queued boxes and reads more while there is room (commands in
  /// flight, unsent bytes) for one TurnBudget, then it
  /// resumes from the event loop.
  void serve();
  void resumeLater();
  bool roomToServe() const;
  /// More unsent bytes than AmpLimits::maxUnsentBytes.
  bool unsentBytesOverLimit() const;
  void handleBox(const AmpBox& box);
  void serveCommand(const AmpBox& box);
  /// Writes the answer or error of a finished command (when it had `_ask`).
  void finishCommand(const AmpCommand& command, const std::optional<std::string>& tag,
                     std::shared_ptr<ThriftCodec> codec, bool ok);
  std::shared_ptr<ThriftCodec> takeCodec();
  void sendError(const std::string& tag, const std::string& code, const std::string& description);
  /// Writes `box`; false when it could not be encoded (our bug, logged) or the connection is closing.
  bool send(const AmpBox& box);
  /// Sends queued events while the peer keeps up; waits on the log for more.
  void pushEvents();
  void pushQueuedEvents();
  void eventsArrived(std::uint64_t subscription, const std::vector<api::Event>& events);
  /// The peer's answer (or error) to an Event we pushed.
  void handleEventAnswer(const AmpBox& box, const std::string& tag, bool isError);

  std::shared_ptr<const AmpSchema> schema_;
  AmpLimits limits_;
  ServerStats& stats_;
  AmpBoxDecoder decoder_;
  /// Boxes read but not yet handled (at most one read's worth: the socket
  /// is read again only when this is empty).
  std::deque<AmpBox> queued_;
  std::size_t commandsInFlight_ = 0;
  /// Thrift codecs of finished commands, reused by the next ones.
  std::vector<std::shared_ptr<ThriftCodec>> idleCodecs_;
  std::uint32_t nextSequenceId_ = 0;
  /// Where each command's Thrift call message is written, reused from one
  /// command to the next (see kKeptCallBufferBytes).
  std::shared_ptr<apache::thrift::transport::TMemoryBuffer> callBuffer_;
  std::vector<char> readBuffer_;
  /// True while serve() runs, so that a command completing synchronously
  /// does not recurse into it (thousands of pipelined asks would overflow the stack).
  bool serving_ = false;
  bool resumePosted_ = false;
  /// Commands or events wait for the peer to read what we sent (maxUnsentBytes).
  bool waitingForDrain_ = false;

  // Event push (subscribeEvents).
  EventLog* eventLog_ = nullptr;
  /// Exists while subscribed; the `caller` of our wait on the log, so that
  /// destroying it (unsubscribe, resubscribe, close) makes the log drop the wait.
  std::unique_ptr<QObject> eventWait_;
  /// Numbers subscriptions from 1; 0 while not subscribed. A delivery for
  /// another number than this is stale and ignored.
  std::uint64_t subscription_ = 0;
  std::uint64_t subscriptionsMade_ = 0;
  bool waiting_ = false;            ///< a wait on the log is outstanding
  bool pushing_ = false;            ///< pushEvents() is on the stack
  bool pushAgain_ = false;          ///< pushEvents() was asked for while on the stack
  std::int64_t pushedThrough_ = 0;  ///< last sequence number taken from the log
  std::deque<api::Event> eventsToPush_;
  std::set<std::string> unansweredEvents_;  ///< tags of pushed Event commands
  std::uint64_t nextEventTag_ = 0;
  const AmpCommand* eventCommand_ = nullptr;
  std::shared_ptr<apache::thrift::transport::TMemoryBuffer> eventBuffer_;
  std::unique_ptr<api::VitrineEventsClient> eventWriter_;
};

}  // namespace vitrine
