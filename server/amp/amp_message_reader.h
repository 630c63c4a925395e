// Thrift message -> AMP box: a reply of the generated processor becomes the AMP answer or error, and a
// call vitrine makes on a peer (a VitrineEvents callback, written by the generated client) becomes the
// command box it sends.
//
// Walks the command's key tree (amp_schema.h), reading each value with Thrift's own TBinaryProtocol and
// putting it under the key the tree names. A value whose wire type is not the tree's is skipped, as the
// generated readers do. std + Thrift only (no Qt), so it is fuzzed on its own (tests/fuzz/fuzz_amp.cpp).
#pragma once

#include <string>
#include <string_view>

#include "amp/amp_box.h"
#include "amp/amp_schema.h"

namespace vitrine {

/// What a Thrift reply message says, as AMP: either the answer's keys or an error (code and
/// description). Never has `_answer`/`_error` keys: the connection adds the tag.
struct AmpReply {
  /// True: `answer` holds the response keys. False: `errorCode` and `errorDescription` are set.
  bool ok = false;
  AmpBox answer;
  /// A declared exception's code (AmpError::code); "UNKNOWN" for a TApplicationException or a reply that
  /// cannot be read; "LIMIT_EXCEEDED" for a result that AMP cannot carry (a list longer than one
  /// 65535-byte value).
  std::string errorCode;
  /// A declared exception's `message` field (its type name when it has none), or a sentence saying what
  /// went wrong.
  std::string errorDescription;
};

/// Stateless; safe on any thread (each call uses only its arguments).
class AmpMessageReader {
 public:
  /// Translates a Thrift binary-protocol message answering `command` (T_REPLY or T_EXCEPTION, as the
  /// generated processor writes it) into the AMP answer keys or error. Never throws: an unreadable reply
  /// is an UNKNOWN error. A length prefix in the message never allocates more than the message's size.
  static AmpReply replyToBox(const AmpCommand& command, std::string_view replyMessage);

  /// Translates a Thrift binary-protocol T_CALL or T_ONEWAY message for `command` (a callback, written
  /// by a generated client's send_ method) into a request box: `_command` set to the wire name, the
  /// arguments as keys, no `_ask`. Throws std::runtime_error if the message is not a call of that method
  /// or cannot be read (our own bytes: a bug), or if a value does not fit AMP (a list over 65535 bytes).
  static AmpBox boxFromCall(const AmpCommand& command, std::string_view callMessage);
};

}  // namespace vitrine
