// The AMP view of the IDL: which AMP commands exist, and the translation
// between AMP boxes and Thrift binary-protocol messages for each of them.
//
// Everything is driven by gen/amp/vitrine.json (`thrift --gen json` of the
// IDL, its `amp.` annotations included, enum types restored by gen.sh): no
// command is spelled out here. The mapping rules are those stated in the
// docstring of gen/amp/vitrine_amp_commands.py (scripts/gen_amp_commands.py
// writes both); docs/amp.md explains them to users.
//
// An AMP request becomes a Thrift *call message*, which the server runs
// through the same generated processor as a Thrift call; the *reply message*
// becomes the AMP answer or error. The reverse direction (callFromBox's
// inverse, boxFromCall) turns a call vitrine makes on a peer (the
// VitrineEvents service) into a box.
//
// Only load() uses Qt (QJsonDocument, QtCore); the translation is std +
// Thrift, so it can be fuzzed on its own. Loaded once at start-up, then
// immutable: safe to share between connections and threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amp/amp_box.h"

namespace apache::thrift::transport {
class TMemoryBuffer;
}

namespace vitrine {

namespace amp_detail {
struct Schema;
struct Function;
}  // namespace amp_detail

/// One AMP command: a method of the served service (under its method name or
/// its `amp.command`), or one of its `amp.alias.NAME` aliases, or a callback
/// vitrine sends (a VitrineEvents method). Owned by its AmpSchema; valid as
/// long as the schema is.
struct AmpCommand {
  /// The name on the wire (`_command`): "StartInspect", "fetchUrl", "AskDirectory".
  std::string name;
  /// The Thrift method it calls: "showPicture", "fetchUrl", "chooseFile".
  std::string method;
  /// For an alias: the argument keys it fixes and their wire values
  /// (AskDirectory: {"mode", "DIRECTORY"}), which override the peer's.
  std::vector<std::pair<std::string, std::string>> fixedArguments;
  /// The schema's description of the method (internal to amp_schema.cpp).
  const amp_detail::Function* function = nullptr;
};

/// What a Thrift reply message says, as AMP: either the answer's keys or an
/// error (code and description). Never has `_answer`/`_error` keys: the
/// connection adds the tag.
struct AmpReply {
  /// True: `answer` holds the response keys. False: `errorCode` and
  /// `errorDescription` are set.
  bool ok = false;
  AmpBox answer;
  /// A declared exception's `amp.code` (or its type name); "UNKNOWN" for a
  /// TApplicationException or a reply that cannot be read; "LIMIT_EXCEEDED"
  /// for a result that AMP cannot carry (a list longer than one 65535-byte value).
  std::string errorCode;
  /// A declared exception's `message` field (its type name when it has none),
  /// or a sentence saying what went wrong.
  std::string errorDescription;
};

/// The AMP commands of one served Thrift service (and the services it
/// extends) plus one callback service. Immutable after load(); any thread.
class AmpSchema {
 public:
  /// Parses the schema JSON and builds the command table for the methods of
  /// `servedService` and every service it extends, and the callbacks of
  /// `callbackService` (empty: none). Throws std::runtime_error naming the
  /// place when the schema has something the mapping has no rule for (a map,
  /// a set, a union, a oneway method, two commands with one wire name, a bad
  /// alias...): that is a build bug, found at start-up and by the tests.
  static std::shared_ptr<const AmpSchema> load(std::string_view json, std::string_view servedService,
                                               std::string_view callbackService);
  ~AmpSchema();

  /// The command a peer may send under `name` (exact, case-sensitive), or nullptr.
  const AmpCommand* find(std::string_view name) const;
  /// The callback whose Thrift method is `method`, or nullptr.
  const AmpCommand* findCallback(std::string_view method) const;
  /// Every command a peer may send, in IDL order (aliases after their method).
  const std::vector<AmpCommand>& commands() const { return commands_; }

  /// Translates a request box into a Thrift binary-protocol T_CALL message
  /// for `command.method` with sequence id `seqid`. Keys starting with `_`
  /// and keys that are no argument are ignored; an alias's fixed arguments
  /// replace the peer's. On a missing or malformed argument returns
  /// std::nullopt and sets *error to a sentence naming the key, e.g.
  /// "missing argument 'inspector_id'" or "argument 'img.mode': 'CMYK' is not
  /// a PixelFormat (one of RGB, RGBA, L, PNG, JPEG)". Strings must be valid
  /// UTF-8. Never throws on peer data.
  std::optional<std::string> callFromBox(const AmpCommand& command, const AmpBox& request, std::int32_t seqid,
                                         std::string* error) const;

  /// callFromBox writing into `out` instead of a new string: `out` is emptied
  /// first and then holds the message (getBuffer()); its memory is reused,
  /// so a connection translating 1 MiB pictures allocates once. Returns
  /// false (and sets *error) where callFromBox returns std::nullopt; `out`
  /// then holds a partial message. Never throws on peer data.
  bool writeCallFromBox(const AmpCommand& command, const AmpBox& request, std::int32_t seqid,
                        const std::shared_ptr<apache::thrift::transport::TMemoryBuffer>& out, std::string* error) const;

  /// Translates a Thrift binary-protocol message answering `command` (T_REPLY
  /// or T_EXCEPTION, as the generated processor writes it) into the AMP
  /// answer keys or error. Never throws: an unreadable reply is an UNKNOWN error.
  AmpReply replyToBox(const AmpCommand& command, std::string_view replyMessage) const;

  /// Translates a Thrift binary-protocol T_CALL or T_ONEWAY message for
  /// `command` (a callback, written by a generated client's send_ method)
  /// into a request box: `_command` set to the wire name, the arguments as
  /// keys, no `_ask`. Throws std::runtime_error if the message is not a call
  /// of that method or cannot be read (our own bytes: a bug), or if a value
  /// does not fit AMP (a list over 65535 bytes).
  AmpBox boxFromCall(const AmpCommand& command, std::string_view callMessage) const;

 private:
  AmpSchema();

  std::unique_ptr<amp_detail::Schema> schema_;
  std::vector<AmpCommand> commands_;
  std::vector<AmpCommand> callbacks_;
};

}  // namespace vitrine
