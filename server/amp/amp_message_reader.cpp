// Thrift message -> AMP box (see amp_message_reader.h).
#include "amp/amp_message_reader.h"

#include <thrift/TConfiguration.h>
#include <thrift/Thrift.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace vitrine {

namespace {

using apache::thrift::protocol::TMessageType;
using apache::thrift::protocol::TType;
using apache::thrift::transport::TMemoryBuffer;
using Protocol = apache::thrift::protocol::TBinaryProtocolT<TMemoryBuffer>;

/// A protocol that reads `bytes` in place. The limits make a corrupt length prefix fail instead of
/// allocating: nothing in the message can be longer than the message.
struct MessageReader {
  explicit MessageReader(std::string_view bytes) {
    if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) {
      throw std::length_error("a message of " + std::to_string(bytes.size()) + " bytes is too long to read");
    }
    const auto size = static_cast<std::int32_t>(bytes.size());
    // Thrift's default 100 MB message cap is not ours to impose here: the RPC layer has its own limits.
    auto config = std::make_shared<apache::thrift::TConfiguration>(std::max(size, 1));
    // OBSERVE never writes through the pointer; the const_cast only satisfies Thrift's signature.
    buffer = std::make_shared<TMemoryBuffer>(reinterpret_cast<std::uint8_t*>(const_cast<char*>(bytes.data())),
                                             static_cast<std::uint32_t>(bytes.size()), TMemoryBuffer::OBSERVE, config);
    protocol = std::make_unique<Protocol>(buffer);
    protocol->setStringSizeLimit(std::max(size, 1));
    protocol->setContainerSizeLimit(std::max(size, 1));
  }
  std::shared_ptr<TMemoryBuffer> buffer;
  std::unique_ptr<Protocol> protocol;
};

/// A result or callback value that AMP cannot carry (a list over one 65535-byte value).
struct LimitError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::size_t boxWireSize(const AmpBox& box) {
  std::size_t size = 2;
  for (const auto& [key, value] : box) size += 4 + key.size() + value.size();
  return size;
}

/// Reads Thrift values into box keys: what replyToBox and boxFromCall share. A value whose wire type is not
/// the schema's is skipped (as the generated readers do), so it is simply absent.
class ValueReader {
 public:
  explicit ValueReader(Protocol& protocol) : protocol_(protocol) {}

  /// Reads a value of wire type `wire` as `field` describes it; false if it was skipped.
  bool readValue(const AmpField& field, TType wire, AmpBox& out) {
    if (wire != field.wire) {
      protocol_.skip(wire);
      return false;
    }
    switch (field.thrift) {
      case ThriftType::Struct:
        readStructFields(field, out);
        return true;
      case ThriftType::List:
        out.set(field.key, readList(field));
        return true;
      case ThriftType::String:
      case ThriftType::Binary: {
        std::string value;
        protocol_.readBinary(value);
        setBigString(out, field.key, value);
        return true;
      }
      default:
        out.set(field.key, readSingle(field));
        return true;
    }
  }

  /// Reads a struct, each field under its key; unknown field ids are skipped.
  void readStructFields(const AmpField& structField, AmpBox& out) {
    std::string name;
    protocol_.readStructBegin(name);
    while (true) {
      TType wire = apache::thrift::protocol::T_STOP;
      std::int16_t id = 0;
      protocol_.readFieldBegin(name, wire, id);
      if (wire == apache::thrift::protocol::T_STOP) break;
      const auto field = std::ranges::find(structField.fields, id, &AmpField::id);
      if (field == structField.fields.end()) {
        protocol_.skip(wire);
      } else {
        readValue(*field, wire, out);
      }
      protocol_.readFieldEnd();
    }
    protocol_.readStructEnd();
  }

 private:
  /// A list element or a value that is neither string, list nor struct, encoded for AMP.
  std::string readSingle(const AmpField& field) {
    switch (field.thrift) {
      case ThriftType::Bool: {
        bool value = false;
        protocol_.readBool(value);
        return encodeBoolean(value);
      }
      case ThriftType::I8: {
        std::int8_t value = 0;
        protocol_.readByte(value);
        return encodeInteger(value);
      }
      case ThriftType::I16: {
        std::int16_t value = 0;
        protocol_.readI16(value);
        return encodeInteger(value);
      }
      case ThriftType::I32: {
        std::int32_t value = 0;
        protocol_.readI32(value);
        return encodeInteger(value);
      }
      case ThriftType::I64: {
        std::int64_t value = 0;
        protocol_.readI64(value);
        return encodeInteger(value);
      }
      case ThriftType::Double: {
        double value = 0;
        protocol_.readDouble(value);
        return encodeFloat(value);
      }
      case ThriftType::Enum: {
        std::int32_t value = 0;
        protocol_.readI32(value);
        const auto& members = field.enumType->members;
        const auto member = std::ranges::find(members, value, &std::pair<std::string, std::int32_t>::second);
        // A number the IDL does not name (a newer server?) still says something as its decimal.
        return member == members.end() ? encodeInteger(value) : member->first;
      }
      case ThriftType::String:
      case ThriftType::Binary: {
        std::string value;
        protocol_.readBinary(value);  // raw inside a ListOf: String and Unicode elements alike
        return value;
      }
      case ThriftType::Struct:
      case ThriftType::List:
        break;
    }
    throw std::logic_error("readSingle on a struct or list");  // the loader gives no list of lists
  }

  std::string readList(const AmpField& field) {
    const AmpField& element = *field.element;
    TType wire = apache::thrift::protocol::T_STOP;
    std::uint32_t size = 0;
    protocol_.readListBegin(wire, size);
    const bool matches = wire == element.wire;
    std::string reason;
    if (field.amp == AmpType::AmpList) {
      std::vector<AmpBox> rows;
      for (std::uint32_t i = 0; i < size; ++i) {
        if (!matches) {
          protocol_.skip(wire);
          continue;
        }
        rows.emplace_back();
        readStructFields(element, rows.back());
      }
      protocol_.readListEnd();
      if (auto list = encodeAmpList(rows, &reason)) return std::move(*list);
      std::size_t total = 0;
      for (const AmpBox& row : rows) total += boxWireSize(row);
      tooLarge(field.key, "AmpList", rows.size(), total);
    }
    std::vector<std::string> items;
    for (std::uint32_t i = 0; i < size; ++i) {
      if (!matches) {
        protocol_.skip(wire);
        continue;
      }
      items.push_back(readSingle(element));
    }
    protocol_.readListEnd();
    if (auto list = encodeListOf(items, &reason)) return std::move(*list);
    std::size_t total = 0;
    for (const std::string& item : items) total += 2 + item.size();
    tooLarge(field.key, "ListOf", items.size(), total);
  }

  [[noreturn]] static void tooLarge(const std::string& key, const char* kind, std::size_t count, std::size_t bytes) {
    throw LimitError("'" + key + "' is a list of " + std::to_string(count) + " elements that needs " +
                     std::to_string(bytes) + " bytes as an AMP " + kind +
                     "; one AMP value holds at most 65535 bytes (elements of at most 65535 bytes each)");
  }

  Protocol& protocol_;
};

AmpReply unknownError(std::string description) {
  AmpReply reply;
  reply.errorCode = "UNKNOWN";
  reply.errorDescription = std::move(description);
  return reply;
}

/// The message of a TApplicationException, read by hand: what() would invent a text for an empty one.
std::string readApplicationExceptionMessage(Protocol& protocol) {
  std::string name;
  std::string message;
  protocol.readStructBegin(name);
  while (true) {
    TType wire = apache::thrift::protocol::T_STOP;
    std::int16_t id = 0;
    protocol.readFieldBegin(name, wire, id);
    if (wire == apache::thrift::protocol::T_STOP) break;
    if (id == 1 && wire == apache::thrift::protocol::T_STRING) {
      protocol.readString(message);
    } else {
      protocol.skip(wire);
    }
    protocol.readFieldEnd();
  }
  protocol.readStructEnd();
  return message;
}

/// A declared exception as an AMP error: its code, and its message field as the description.
AmpReply readDeclaredException(Protocol& protocol, const AmpError& error) {
  std::string name;
  std::optional<std::string> message;
  protocol.readStructBegin(name);
  while (true) {
    TType wire = apache::thrift::protocol::T_STOP;
    std::int16_t id = 0;
    protocol.readFieldBegin(name, wire, id);
    if (wire == apache::thrift::protocol::T_STOP) break;
    if (error.messageFieldId && id == *error.messageFieldId && wire == apache::thrift::protocol::T_STRING) {
      message.emplace();
      protocol.readString(*message);
    } else {
      protocol.skip(wire);
    }
    protocol.readFieldEnd();
  }
  protocol.readStructEnd();
  AmpReply reply;
  reply.errorCode = error.code;
  reply.errorDescription = message ? std::move(*message) : error.exception;
  return reply;
}

}  // namespace

AmpReply AmpMessageReader::replyToBox(const AmpCommand& command, std::string_view replyMessage) {
  const std::string& method = command.method;
  try {
    MessageReader reader(replyMessage);
    Protocol& protocol = *reader.protocol;
    std::string name;
    TMessageType type = apache::thrift::protocol::T_CALL;
    std::int32_t seqid = 0;
    protocol.readMessageBegin(name, type, seqid);
    if (type == apache::thrift::protocol::T_EXCEPTION) {
      std::string message = readApplicationExceptionMessage(protocol);
      return unknownError(message.empty() ? "Unknown Error" : std::move(message));
    }
    if (type != apache::thrift::protocol::T_REPLY) {
      return unknownError("the reply to " + method + " is a message of type " + std::to_string(type));
    }
    if (name != method) return unknownError("the reply to " + method + " is a reply to " + name);

    AmpReply reply;
    std::optional<AmpReply> declared;
    bool success = false;
    ValueReader values(protocol);
    std::string structName;
    protocol.readStructBegin(structName);
    while (true) {
      TType wire = apache::thrift::protocol::T_STOP;
      std::int16_t id = 0;
      protocol.readFieldBegin(structName, wire, id);
      if (wire == apache::thrift::protocol::T_STOP) break;
      const auto thrown = std::ranges::find(command.errors, id, &AmpError::id);
      if (id == 0 && command.result) {
        // A struct result (keyPrefix "") spreads its fields as the answer's keys.
        success = values.readValue(*command.result, wire, reply.answer) || success;
      } else if (thrown != command.errors.end() && wire == apache::thrift::protocol::T_STRUCT && !declared) {
        declared = readDeclaredException(protocol, *thrown);
      } else {
        protocol.skip(wire);
      }
      protocol.readFieldEnd();
    }
    protocol.readStructEnd();
    protocol.readMessageEnd();
    if (declared) return std::move(*declared);
    if (command.result && !success) {
      return unknownError(method + " failed: unknown result");  // what the generated client says
    }
    reply.ok = true;
    return reply;
  } catch (const LimitError& e) {
    AmpReply reply;
    reply.errorCode = "LIMIT_EXCEEDED";
    reply.errorDescription = e.what();
    return reply;
  } catch (const std::exception& e) {
    return unknownError("the reply to " + method + " cannot be read: " + e.what());
  } catch (...) {
    return unknownError("the reply to " + method + " cannot be read");
  }
}

AmpBox AmpMessageReader::boxFromCall(const AmpCommand& command, std::string_view callMessage) {
  try {
    MessageReader reader(callMessage);
    Protocol& protocol = *reader.protocol;
    std::string name;
    TMessageType type = apache::thrift::protocol::T_REPLY;
    std::int32_t seqid = 0;
    protocol.readMessageBegin(name, type, seqid);
    if (type != apache::thrift::protocol::T_CALL && type != apache::thrift::protocol::T_ONEWAY) {
      throw std::runtime_error("a message of type " + std::to_string(type) + ", not a call");
    }
    if (name != command.method) throw std::runtime_error("a call of " + name + ", not of " + command.method);

    AmpBox box;
    box.set("_command", command.name);
    ValueReader values(protocol);
    std::string structName;
    protocol.readStructBegin(structName);
    while (true) {
      TType wire = apache::thrift::protocol::T_STOP;
      std::int16_t id = 0;
      protocol.readFieldBegin(structName, wire, id);
      if (wire == apache::thrift::protocol::T_STOP) break;
      const auto argument = std::ranges::find(command.arguments, id, &AmpField::id);
      if (argument == command.arguments.end()) {
        protocol.skip(wire);
      } else {
        values.readValue(*argument, wire, box);  // a flattened struct (keyPrefix "") puts its keys in the box
      }
      protocol.readFieldEnd();
    }
    protocol.readStructEnd();
    protocol.readMessageEnd();
    return box;
  } catch (const std::exception& e) {
    throw std::runtime_error("AMP callback " + command.name + " (" + command.method + "): " + e.what());
  }
}

}  // namespace vitrine
