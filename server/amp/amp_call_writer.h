// AMP request box -> Thrift call message: what makes an AMP command a call of the generated processor.
//
// Walks the command's key tree (amp_schema.h), reading each key from the box and writing its value with
// Thrift's own TBinaryProtocol, so the generated processor reads exactly these bytes. What a key may be
// (left out, defaulted, fixed by an alias) is in the tree; this file applies no mapping rule of its own.
// std + Thrift only (no Qt), so it is fuzzed on its own (tests/fuzz/fuzz_amp.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "amp/amp_box.h"
#include "amp/amp_schema.h"

namespace apache::thrift::transport {
class TMemoryBuffer;
}

namespace vitrine {

/// Stateless; safe on any thread (each call uses only its arguments).
class AmpCallWriter {
 public:
  /// Writes into `out` the Thrift binary-protocol T_CALL message for `command.method` with sequence id
  /// `seqid` that `request` asks for. `out` is emptied first and then holds the message (getBuffer()); its
  /// memory is reused, so a connection translating 1 MiB pictures allocates once. Keys starting with `_`
  /// and keys that are no argument are ignored; a fixed key's value replaces the peer's; an absent key
  /// with a default takes it. On a missing or malformed argument returns false and sets *error (when not
  /// null) to a sentence naming the key, e.g. "missing argument 'inspector_id'" or "argument 'img.mode':
  /// 'CMYK' is not a PixelFormat (one of RGB, RGBA, L, PNG, JPEG)"; `out` then holds a partial message.
  /// Strings must be valid UTF-8. Never throws on peer data (running out of memory is an error too).
  static bool writeCall(const AmpCommand& command, const AmpBox& request, std::int32_t seqid,
                        const std::shared_ptr<apache::thrift::transport::TMemoryBuffer>& out, std::string* error);

  /// writeCall into a new string: the message, or std::nullopt with *error set.
  static std::optional<std::string> callMessage(const AmpCommand& command, const AmpBox& request, std::int32_t seqid,
                                                std::string* error);
};

}  // namespace vitrine
