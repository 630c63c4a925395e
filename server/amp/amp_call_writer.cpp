// AMP request box -> Thrift call message (see amp_call_writer.h).
#include "amp/amp_call_writer.h"

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace vitrine {

namespace {

using apache::thrift::transport::TMemoryBuffer;
using Protocol = apache::thrift::protocol::TBinaryProtocolT<TMemoryBuffer>;

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out;
}

/// A peer's value for an error sentence: quoted when short and printable ASCII, else only its size (it
/// may be binary or megabytes long).
std::string quoteValue(std::string_view value) {
  const bool plain = std::ranges::all_of(value, [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
  if (value.size() <= 64 && plain) return "'" + std::string(value) + "'";
  return "a value of " + std::to_string(value.size()) + " bytes";
}

bool hasKeyStartingWith(const AmpBox& box, std::string_view prefix) {
  return std::ranges::any_of(box,
                             [prefix](const auto& entry) { return std::string_view(entry.first).starts_with(prefix); });
}

/// Writes the args struct of a call from a request box, stopping at the first bad value with a sentence
/// in error().
class Writer {
 public:
  /// `protocol` writes into `buffer` (chunked strings are appended to it directly).
  Writer(Protocol& protocol, TMemoryBuffer& buffer) : protocol_(protocol), buffer_(buffer) {}

  bool writeArguments(const AmpCommand& command, const AmpBox& box) {
    protocol_.writeStructBegin(command.method.c_str());  // the binary protocol writes no struct names
    for (const AmpField& argument : command.arguments) {
      if (!writeField(box, argument)) return false;
    }
    protocol_.writeFieldStop();
    protocol_.writeStructEnd();
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  /// Writes `field` from its key(s) in `box`; an absent optional one is left out.
  bool writeField(const AmpBox& box, const AmpField& field) {
    if (field.thrift == ThriftType::Struct) {
      if (field.optional && !field.holdsFixed && !hasKeyStartingWith(box, field.keyPrefix)) return true;
      protocol_.writeFieldBegin(field.name.c_str(), apache::thrift::protocol::T_STRUCT, field.id);
      if (!writeStruct(box, field)) return false;
      protocol_.writeFieldEnd();
      return true;
    }
    if (field.amp == AmpType::BigUnicode || field.amp == AmpType::BigString) {
      std::optional<std::vector<std::string_view>> chunks;
      if (field.fixedValue) {
        chunks.emplace(1, *field.fixedValue);  // the whole value: chunks the peer sent do not extend it
      } else {
        chunks = bigStringChunks(box, field.key);
        if (!chunks && field.defaultValue) chunks.emplace(1, *field.defaultValue);
      }
      if (!chunks) return field.optional || missing(field.key);
      protocol_.writeFieldBegin(field.name.c_str(), field.wire, field.id);
      if (!writeChunked(field, *chunks)) return false;
      protocol_.writeFieldEnd();
      return true;
    }
    const std::string* raw = field.fixedValue ? &*field.fixedValue : box.find(field.key);
    if (!raw && field.defaultValue) raw = &*field.defaultValue;
    if (!raw) return field.optional || missing(field.key);
    protocol_.writeFieldBegin(field.name.c_str(), field.wire, field.id);
    if (field.thrift == ThriftType::List ? !writeList(field, *raw) : !writeSingle(field, *raw, field.key)) {
      return false;
    }
    protocol_.writeFieldEnd();
    return true;
  }

  /// A string or binary value, written from its BigString chunks where they lie in the box: what
  /// writeBinary would write for the joined value (an i32 length, the bytes), without joining them
  /// first (a picture's megabyte is copied once, into the message).
  bool writeChunked(const AmpField& field, const std::vector<std::string_view>& chunks) {
    std::size_t total = 0;
    for (const std::string_view chunk : chunks) total += chunk.size();
    if (field.thrift == ThriftType::String) {
      // UTF-8 sequences may straddle chunks: check the value whole (strings are rarely more than one chunk).
      const bool valid = chunks.size() == 1 ? isValidUtf8(chunks.front()) : isValidUtf8(joinedChunks(chunks, total));
      if (!valid) return bad(field.key, "not valid UTF-8");
    }
    if (total > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
      return bad(field.key, "a value of " + std::to_string(total) + " bytes is over Thrift's 2 GiB limit");
    }
    protocol_.writeI32(static_cast<std::int32_t>(total));
    for (const std::string_view chunk : chunks) {
      buffer_.write(reinterpret_cast<const std::uint8_t*>(chunk.data()), static_cast<std::uint32_t>(chunk.size()));
    }
    return true;
  }

  static std::string joinedChunks(const std::vector<std::string_view>& chunks, std::size_t total) {
    std::string joined;
    joined.reserve(total);
    for (const std::string_view chunk : chunks) joined += chunk;
    return joined;
  }

  bool writeStruct(const AmpBox& box, const AmpField& structField) {
    protocol_.writeStructBegin(structField.structName.c_str());
    for (const AmpField& field : structField.fields) {
      if (!writeField(box, field)) return false;
    }
    protocol_.writeFieldStop();
    protocol_.writeStructEnd();
    return true;
  }

  /// A value that is not a list or struct; `raw` is a whole (unchunked) value. `element` prefixes the
  /// error of a list's element ("element 2: ").
  bool writeSingle(const AmpField& field, std::string_view raw, const std::string& key,
                   const std::string& element = {}) {
    std::string reason;
    const auto fail = [this, &key, &element](const std::string& why) { return this->bad(key, element + why); };
    switch (field.thrift) {
      case ThriftType::Bool: {
        const auto value = decodeBoolean(raw, &reason);
        if (!value) return fail(reason);
        protocol_.writeBool(*value);
        return true;
      }
      case ThriftType::I8:
      case ThriftType::I16:
      case ThriftType::I32:
      case ThriftType::I64: {
        const auto value = decodeInteger(raw, &reason);
        if (!value) return fail(reason);
        if (const std::string range = integerRangeError(field.thrift, *value); !range.empty()) {
          return fail(std::to_string(*value) + " is " + range);
        }
        if (field.thrift == ThriftType::I8) protocol_.writeByte(static_cast<std::int8_t>(*value));
        if (field.thrift == ThriftType::I16) protocol_.writeI16(static_cast<std::int16_t>(*value));
        if (field.thrift == ThriftType::I32) protocol_.writeI32(static_cast<std::int32_t>(*value));
        if (field.thrift == ThriftType::I64) protocol_.writeI64(*value);
        return true;
      }
      case ThriftType::Double: {
        const auto value = decodeFloat(raw, &reason);
        if (!value) return fail(reason);
        protocol_.writeDouble(*value);
        return true;
      }
      case ThriftType::String:
        if (!isValidUtf8(raw)) return fail("not valid UTF-8");
        protocol_.writeString(std::string(raw));
        return true;
      case ThriftType::Binary:
        protocol_.writeBinary(std::string(raw));
        return true;
      case ThriftType::Enum: {
        const AmpEnum& enumType = *field.enumType;
        for (const auto& [name, number] : enumType.members) {
          if (name == raw) {
            protocol_.writeI32(number);
            return true;
          }
        }
        std::vector<std::string> names;
        for (const auto& member : enumType.members) names.push_back(member.first);
        return fail(quoteValue(raw) + " is not a " + enumType.name + " (one of " + joined(names) + ")");
      }
      case ThriftType::Struct:
      case ThriftType::List:
        break;
    }
    return fail("has no single-value translation");  // unreachable: the loader gives lists and structs their own
  }

  bool writeList(const AmpField& field, std::string_view raw) {
    const AmpField& element = *field.element;
    const std::string& key = field.key;
    std::string reason;
    if (field.amp == AmpType::AmpList) {
      const auto rows = decodeAmpList(raw, &reason);
      if (!rows) return bad(key, reason);
      protocol_.writeListBegin(apache::thrift::protocol::T_STRUCT, static_cast<std::uint32_t>(rows->size()));
      const std::string outer = row_;
      for (std::size_t i = 0; i < rows->size(); ++i) {
        row_ = (outer.empty() ? "argument '" + key + "'" : outer + "key '" + key + "'") + ": row " +
               std::to_string(i + 1) + ": ";
        if (!writeStruct((*rows)[i], element)) return false;
      }
      row_ = outer;
      protocol_.writeListEnd();
      return true;
    }
    const auto items = decodeListOf(raw, &reason);
    if (!items) return bad(key, reason);
    protocol_.writeListBegin(element.wire, static_cast<std::uint32_t>(items->size()));
    for (std::size_t i = 0; i < items->size(); ++i) {
      // Elements are ListOf(Unicode), not BigUnicode: no chunking, but the same UTF-8 check.
      if (!writeSingle(element, (*items)[i], key, "element " + std::to_string(i + 1) + ": ")) return false;
    }
    protocol_.writeListEnd();
    return true;
  }

  bool missing(const std::string& key) {
    error_ = row_.empty() ? "missing argument '" + key + "'" : row_ + "missing key '" + key + "'";
    return false;
  }

  bool bad(const std::string& key, const std::string& reason) {
    error_ = (row_.empty() ? "argument '" + key + "': " : row_ + "key '" + key + "': ") + reason;
    return false;
  }

  Protocol& protocol_;
  TMemoryBuffer& buffer_;
  std::string error_;
  std::string row_;  // inside an AmpList row: "argument 'options.actions': row 2: "
};

}  // namespace

bool AmpCallWriter::writeCall(const AmpCommand& command, const AmpBox& request, std::int32_t seqid,
                              const std::shared_ptr<TMemoryBuffer>& out, std::string* error) {
  std::string ignored;
  std::string& why = error ? *error : ignored;
  try {
    out->resetBuffer();  // empties it; an owned buffer keeps its memory
    Protocol protocol(out);
    protocol.writeMessageBegin(command.method, apache::thrift::protocol::T_CALL, seqid);
    Writer writer(protocol, *out);
    if (!writer.writeArguments(command, request)) {
      why = writer.error();
      return false;
    }
    protocol.writeMessageEnd();
    return true;
  } catch (const std::exception& e) {
    // Only resource exhaustion gets here (a memory buffer over 4 GiB, bad_alloc): still the peer's data,
    // so an error for the peer rather than an exception through the connection.
    why = std::string("the request cannot be translated: ") + e.what();
    return false;
  }
}

std::optional<std::string> AmpCallWriter::callMessage(const AmpCommand& command, const AmpBox& request,
                                                      std::int32_t seqid, std::string* error) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  if (!writeCall(command, request, seqid, buffer, error)) return std::nullopt;
  return buffer->getBufferAsString();
}

}  // namespace vitrine
