// The Thrift protocol objects of one connection: the input observes the frame
// being handled, the output collects the reply behind a 4-byte header slot.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>

namespace apache::thrift::protocol {
class TProtocol;
}
namespace apache::thrift::transport {
class TMemoryBuffer;
}

namespace vitrine {

struct RequestLimits;

/// Binary or compact protocol over in-memory buffers, reused for every call
/// of a connection (no per-call allocation). Held by shared_ptr: a reply that
/// completes after its connection has gone still writes into valid memory.
/// GUI thread only.
class ThriftCodec {
 public:
  enum class Protocol { Binary, Compact };

  /// Picks the protocol from the first byte of a message: 0x80 (strict
  /// binary) or 0x82 (compact). nullopt for anything else.
  static std::optional<Protocol> detect(std::span<const char> message);

  ThriftCodec(Protocol protocol, const RequestLimits& limits);
  ~ThriftCodec();

  /// Points the input at `message` (not copied; must outlive the call's
  /// read phase, i.e. the processor's process() call) and empties the output.
  /// String and container limits are set from the message's length, so no
  /// claimed size larger than what was actually received is ever allocated.
  void beginCall(std::span<const char> message);

  /// The start of a call message: which method, and the id its reply must carry.
  struct CallHeader {
    std::string method;
    std::int32_t sequenceId = 0;
    bool oneway = false;
  };
  /// Reads the header of `message` without serving it (the authentication
  /// gate looks at the method name first). Calls beginCall(message): call it
  /// again before handing the message to the processor. nullopt when the
  /// header cannot be read or the message is not a call; never throws.
  std::optional<CallHeader> peekCall(std::span<const char> message);
  /// Writes, as the reply to `call`, a TApplicationException of `type`
  /// (a TApplicationException::TApplicationExceptionType; UNKNOWN, as the
  /// generated processors use for failed calls, by default) with `message`,
  /// and returns the whole frame, valid until the next beginCall().
  std::span<const char> exceptionReplyFrame(const CallHeader& call, const std::string& message, int type = 0);

  /// Frees the reply buffer when a large reply (a screenshot) made it grow
  /// past 64 KiB: once such a reply has been handed to the socket, and when
  /// a connection goes idle, so that no connection keeps megabytes for a
  /// reply it has sent. Not while a call is in flight.
  void releaseReplyBuffer();

  /// The reply written since beginCall(), as a whole frame (header filled
  /// in), or an empty span when nothing was written (oneway).
  std::span<const char> replyFrame();
  /// The same reply without its frame header (the bare message, as the AMP
  /// bridge translates it); empty when nothing was written.
  std::span<const char> replyMessage();

  Protocol protocol() const { return protocol_; }
  const std::shared_ptr<apache::thrift::protocol::TProtocol>& input() const { return input_; }
  const std::shared_ptr<apache::thrift::protocol::TProtocol>& output() const { return output_; }

 private:
  void setInputLimits(std::int32_t stringLimit, std::int32_t containerLimit);

  Protocol protocol_;
  std::int32_t maxContainerElements_;
  std::shared_ptr<apache::thrift::transport::TMemoryBuffer> inBuffer_;
  std::shared_ptr<apache::thrift::transport::TMemoryBuffer> outBuffer_;
  std::shared_ptr<apache::thrift::protocol::TProtocol> input_;
  std::shared_ptr<apache::thrift::protocol::TProtocol> output_;
};

}  // namespace vitrine
