// The AMP view of the IDL as the server holds it: which AMP commands exist and, for each, every key with
// its AMP and Thrift types. It is what gen/amp/vitrine_amp.json says, read as it is:
//
//   scripts/gen_amp_commands.py   applies the mapping rules (docs/amp.md) once and writes the resolved
//                                 schema, gen/amp/vitrine_amp.json (and the Twisted classes)
//   AmpSchemaLoader               reads that schema into these types (amp_schema_loader.h)
//   AmpCallWriter                 request box -> Thrift call message (amp_call_writer.h)
//   AmpMessageReader              Thrift reply (or callback call) message -> box (amp_message_reader.h)
//
// No rule of the mapping is applied on this side: a key's full name, whether it may be left out, its
// default and fixed value are all in the schema. The translations only walk these trees.
//
// Plain data, immutable once loaded: safe to share between connections and threads.
#pragma once

#include <thrift/protocol/TProtocol.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vitrine {

/// How the generated Thrift code reads and writes a value.
enum class ThriftType { Bool, I8, I16, I32, I64, Double, String, Binary, Enum, Struct, List };

/// How a value looks in an AMP box (the names of Twisted's argument types). BigUnicode and BigString are
/// chunked as `key`, `key.2`, ...; Unicode and String are the unchunked elements of a ListOf; a Struct is
/// the keys under its prefix; an AmpList and a ListOf are one value.
enum class AmpType { Boolean, Integer, Float, Unicode, String, BigUnicode, BigString, Enum, Struct, AmpList, ListOf };

/// An IDL enum: its members' names (what travels over AMP) and numbers (what travels over Thrift).
struct AmpEnum {
  std::string name;
  std::vector<std::pair<std::string, std::int32_t>> members;  // IDL order
};

/// One node of a command's key tree: an argument, a struct field, a method's result, or a list's element.
struct AmpField {
  /// The Thrift field id (0 for a result) and name. Unused for a list's element.
  std::int16_t id = 0;
  std::string name;
  ThriftType thrift = ThriftType::I32;
  AmpType amp = AmpType::Integer;
  /// The Thrift wire type of `thrift` (enums are T_I32).
  apache::thrift::protocol::TType wire = apache::thrift::protocol::T_I32;
  /// Every node but a struct: its key, in full ("img.mode"); inside an AmpList row, within the row.
  std::string key;
  /// A struct: the prefix all its keys share ("img.", or "" for a flattened argument or a struct result,
  /// whose fields are keys of the box itself), and the struct's name.
  std::string keyPrefix;
  std::string structName;
  /// Whether the key (a struct: all its keys) may be left out. An absent optional struct is one with no
  /// key under its prefix; it is not sent.
  bool optional = false;
  /// The wire value that an absent key stands for (an IDL default).
  std::optional<std::string> defaultValue;
  /// The wire value the command always sends, whatever the peer says (an alias's fixed key).
  std::optional<std::string> fixedValue;
  /// A struct: whether a key under it has a fixed value (then it is always sent).
  bool holdsFixed = false;
  /// An enum, or a list of enums' element: its members.
  std::shared_ptr<const AmpEnum> enumType;
  /// A struct, or an AmpList's element: its fields, in IDL order.
  std::vector<AmpField> fields;
  /// A list: its element (a struct for an AmpList, a single value for a ListOf).
  std::shared_ptr<const AmpField> element;
};

/// An exception a method declares: the result field it comes in, and what AMP error it becomes.
struct AmpError {
  std::int16_t id = 0;
  std::string exception;
  /// `_error_code`, e.g. "WINDOW_DOES_NOT_EXIST".
  std::string code;
  /// The id of its `string message` field, the error's description; none: the exception's name is.
  std::optional<std::int16_t> messageFieldId;
};

/// One AMP command: a method of the served service (under its AMP name), one of its aliases, or a
/// callback vitrine sends (a VitrineEvents method).
struct AmpCommand {
  /// The name on the wire (`_command`): "StartInspect", "fetchUrl", "AskDirectory".
  std::string name;
  /// The Thrift service that declares the method, and the method: "Vitrine", "showPicture".
  std::string service;
  std::string method;
  /// The method's arguments, in IDL order, each a tree of keys.
  std::vector<AmpField> arguments;
  /// The result (field id 0), or none for a void method. A struct result has keyPrefix "": its fields are
  /// the answer's keys.
  std::optional<AmpField> result;
  /// The exceptions the method declares.
  std::vector<AmpError> errors;
  /// For an alias: the keys it fixes and their wire values (AskDirectory: {"mode", "DIRECTORY"}), in key
  /// order. The same values are the `fixedValue` of those keys in `arguments`.
  std::vector<std::pair<std::string, std::string>> fixedArguments;
};

/// The commands a peer may send and the callbacks vitrine sends. Built by AmpSchemaLoader; immutable
/// after that, any thread.
class AmpSchema {
 public:
  /// Takes the tables and indexes them. Throws std::runtime_error when two commands share a wire name, or
  /// two callbacks a name or a method (a schema that cannot be read one way only).
  AmpSchema(std::vector<AmpCommand> commands, std::vector<AmpCommand> callbacks);

  /// The command a peer may send under `name` (exact, case-sensitive), or nullptr.
  const AmpCommand* find(std::string_view name) const;
  /// The callback whose Thrift method is `method`, or nullptr.
  const AmpCommand* findCallback(std::string_view method) const;
  /// Every command a peer may send, in the schema's order (IDL order, aliases after their method).
  const std::vector<AmpCommand>& commands() const { return commands_; }
  /// Every callback, in the schema's order.
  const std::vector<AmpCommand>& callbacks() const { return callbacks_; }

 private:
  std::vector<AmpCommand> commands_;
  std::vector<AmpCommand> callbacks_;
  std::map<std::string, std::size_t, std::less<>> commandIndex_;   // wire name -> commands_ index
  std::map<std::string, std::size_t, std::less<>> callbackIndex_;  // method -> callbacks_ index
};

/// "" when `value` fits the Thrift integer type `type` (I8...I64), else why not ("outside the i32 range
/// -2147483648..2147483647"). For the loader (defaults, fixed values) and the call writer (peers' values).
std::string integerRangeError(ThriftType type, std::int64_t value);

}  // namespace vitrine
