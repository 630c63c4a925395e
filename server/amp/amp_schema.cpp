// The AMP view of the IDL (see amp_schema.h): load() turns gen/amp/vitrine.json into a small type model
// (enums, structs, functions with their AMP keys), and the three translations walk that model, writing or
// reading Thrift binary-protocol values with Thrift's own TBinaryProtocol so that the generated processor
// and clients read and write exactly these bytes.
//
// The mapping rules are those of scripts/gen_amp_commands.py (its MODULE_DOC, method_arguments,
// method_response, method_errors, parse_alias, build_commands); where the two could disagree, the Python
// generator wins, because the Twisted classes it writes are what AMP peers use.
#include "amp/amp_schema.h"

#include <thrift/TConfiguration.h>
#include <thrift/Thrift.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <stdexcept>

namespace vitrine {

namespace amp_detail {

/// The value types the mapping knows. Enums travel as T_I32, strings and binary as T_STRING.
enum class Kind { Bool, I8, I16, I32, I64, Double, String, Binary, Enum, Struct, List };

struct EnumType {
  std::string name;
  std::vector<std::pair<std::string, std::int32_t>> members;  // IDL order
};

struct StructType;

struct Type {
  Kind kind = Kind::I32;
  const EnumType* enumType = nullptr;      // Kind::Enum
  const StructType* structType = nullptr;  // Kind::Struct
  std::shared_ptr<const Type> element;     // Kind::List (never a list itself)
};

/// A struct field or a method argument.
struct Field {
  std::int16_t id = 0;
  std::string name;
  /// Its AMP key (`amp.name`, else the name), without any prefix.
  std::string key;
  Type type;
  /// Whether the AMP side may leave it out (see gen_amp_commands.py: optional struct fields, and struct
  /// arguments all of whose fields are optional).
  bool optional = false;
  /// Arguments only: `amp.flatten = "true"`, the struct's fields are top-level keys.
  bool flatten = false;
};

struct StructType {
  std::string name;
  bool isException = false;
  std::vector<Field> fields;  // not filled for exceptions: only their code and message travel
  // Exceptions only:
  std::string ampCode;
  std::optional<std::int16_t> messageFieldId;  // the id of a `string message` field
};

struct ThrownException {
  std::int16_t id = 0;
  const StructType* type = nullptr;
};

struct Function {
  std::string service;
  std::string name;
  std::vector<Field> arguments;
  std::optional<Type> result;  // empty: void
  /// The answer's key for a non-struct result (`amp.response`, else "result").
  std::string responseKey;
  std::vector<ThrownException> exceptions;
};

struct Schema {
  // Deques and node-based maps: AmpCommand and Type hold pointers into them.
  std::map<std::string, EnumType, std::less<>> enums;
  std::map<std::string, StructType, std::less<>> structs;
  std::deque<Function> functions;
  std::map<std::string, std::size_t, std::less<>> commandIndex;   // wire name -> commands_ index
  std::map<std::string, std::size_t, std::less<>> callbackIndex;  // method -> callbacks_ index
};

}  // namespace amp_detail

namespace {

using amp_detail::EnumType;
using amp_detail::Field;
using amp_detail::Function;
using amp_detail::Kind;
using amp_detail::Schema;
using amp_detail::StructType;
using amp_detail::ThrownException;
using amp_detail::Type;

using apache::thrift::protocol::TMessageType;
using apache::thrift::protocol::TType;
using apache::thrift::transport::TMemoryBuffer;
using Protocol = apache::thrift::protocol::TBinaryProtocolT<TMemoryBuffer>;

[[noreturn]] void schemaError(const std::string& where, const std::string& what) {
  throw std::runtime_error("AMP schema: " + where + ": " + what);
}

// ---------------------------------------------------------------- loading

std::string str(const QString& text) { return text.toStdString(); }

std::string joined(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

std::string annotation(const QJsonObject& node, const char* key, const std::string& fallback = {}) {
  const QJsonValue value = node.value(QStringLiteral("annotations")).toObject().value(QLatin1String(key));
  return value.isString() ? str(value.toString()) : fallback;
}

bool hasAnnotation(const QJsonObject& node, const char* key) {
  return node.value(QStringLiteral("annotations")).toObject().contains(QLatin1String(key));
}

/// gen_amp_commands.check_annotations: an `amp.` annotation that means nothing on this node is a typo;
/// an allowed entry ending in '.' admits a family (`amp.alias.`).
void checkAnnotations(const QJsonObject& node, const std::vector<std::string>& allowed, const std::string& where) {
  const QJsonObject annotations = node.value(QStringLiteral("annotations")).toObject();
  for (auto it = annotations.begin(); it != annotations.end(); ++it) {
    const std::string key = str(it.key());
    if (!key.starts_with("amp.")) continue;
    const bool known = std::ranges::any_of(
        allowed, [&key](const std::string& a) { return key == a || (a.ends_with('.') && key.starts_with(a)); });
    if (!known) {
      std::vector<std::string> sorted = allowed;
      std::ranges::sort(sorted);
      schemaError(where, "annotation " + key + " means nothing here (allowed: " +
                             (sorted.empty() ? std::string("none") : joined(sorted)) + ")");
    }
  }
}

bool printable(std::string_view text) {
  // Python's str.isprintable(), approximated by the ASCII control characters (all an IDL could hold).
  return std::ranges::none_of(text, [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

/// gen_amp_commands.usable_key: AMP cannot carry an empty or over-long key, and `_...` keys are AMP's own.
std::string usableKey(const std::string& key, const std::string& where) {
  if (key.empty() || key.size() > 200 || !printable(key) || key.starts_with('_')) {
    schemaError(where, "'" + key + "' is not a usable AMP key");
  }
  return key;
}

/// Python's str.isidentifier() for ASCII; non-ASCII bytes count as letters (Python allows most of them).
bool identifier(std::string_view text) {
  if (text.empty() || (text[0] >= '0' && text[0] <= '9')) return false;
  return std::ranges::all_of(text, [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

void checkUnique(const std::vector<std::string>& keys, const std::string& where) {
  std::set<std::string> seen;
  for (const std::string& key : keys) {
    if (!seen.insert(key).second) schemaError(where, "two entries have the AMP key '" + key + "'");
  }
}

std::string ampKey(const QJsonObject& node, const std::string& where) {
  const std::string name = str(node.value(QStringLiteral("name")).toString());
  return usableKey(annotation(node, "amp.name", name), where);
}

bool isOptional(const QJsonObject& field) { return field.value(QStringLiteral("required")).toString() == "optional"; }

std::int16_t fieldId(const QJsonObject& node, const std::string& where) {
  const QJsonValue key = node.value(QStringLiteral("key"));
  const double id = key.toDouble(-1e9);
  // The range test first: converting an out-of-range double to an integer is undefined.
  if (!key.isDouble() || id < INT16_MIN || id > INT16_MAX || id != static_cast<double>(static_cast<int>(id))) {
    schemaError(where, "no usable field id (\"key\")");
  }
  return static_cast<std::int16_t>(id);
}

QJsonArray array(const QJsonObject& node, const char* key, const std::string& where) {
  const QJsonValue value = node.value(QLatin1String(key));
  if (!value.isArray()) schemaError(where, std::string("no \"") + key + "\" list");
  return value.toArray();
}

/// "" when `value` fits the Thrift integer type, else why not.
std::string integerRangeError(Kind kind, std::optional<std::int64_t> value) {
  std::int64_t low = INT64_MIN;
  std::int64_t high = INT64_MAX;
  const char* name = "i64";
  switch (kind) {
    case Kind::I8:
      low = INT8_MIN, high = INT8_MAX, name = "i8";
      break;
    case Kind::I16:
      low = INT16_MIN, high = INT16_MAX, name = "i16";
      break;
    case Kind::I32:
      low = INT32_MIN, high = INT32_MAX, name = "i32";
      break;
    default:
      break;
  }
  if (value && *value >= low && *value <= high) return {};
  return std::string("outside the ") + name + " range " + std::to_string(low) + ".." + std::to_string(high);
}

class Loader {
 public:
  explicit Loader(Schema& schema) : schema_(schema) {}

  void readTypes(const QJsonObject& root) {
    for (const QJsonValue& value : array(root, "enums", "the schema")) {
      const QJsonObject node = value.toObject();
      EnumType type;
      type.name = str(node.value(QStringLiteral("name")).toString());
      checkAnnotations(node, {}, type.name);
      for (const QJsonValue& member : array(node, "members", type.name)) {
        const QJsonObject m = member.toObject();
        type.members.emplace_back(str(m.value(QStringLiteral("name")).toString()),
                                  m.value(QStringLiteral("value")).toInt());
      }
      schema_.enums.emplace(type.name, std::move(type));
    }
    // Two passes: a field may name a struct declared after its own.
    for (const QJsonValue& value : array(root, "structs", "the schema")) {
      const QJsonObject node = value.toObject();
      const std::string name = str(node.value(QStringLiteral("name")).toString());
      if (node.value(QStringLiteral("isUnion")).toBool()) schemaError("union " + name, "unions have no AMP mapping");
      StructType& type = schema_.structs[name];
      type.name = name;
      type.isException = node.value(QStringLiteral("isException")).toBool();
      structNodes_.push_back(node);
    }
    for (const QJsonObject& node : structNodes_) readStruct(node);
    for (const auto& [name, type] : schema_.structs) {
      if (!type.isException) checkNoCycle(type, {});
    }
  }

  /// Every function of `service` and the services it extends (theirs first), with its JSON node.
  std::vector<std::pair<const Function*, QJsonObject>> service(const QJsonObject& root, const std::string& name) {
    std::vector<QJsonObject> chain;  // the served service last
    std::set<std::string> seen;
    for (std::string current = name; !current.empty();) {
      if (!seen.insert(current).second) schemaError("service " + name, "extends itself (through " + current + ")");
      const QJsonObject node = findService(root, current);
      if (node.isEmpty()) {
        schemaError("service " + current, current == name ? "not in the schema" : "extended but not in the schema");
      }
      chain.insert(chain.begin(), node);
      current = str(node.value(QStringLiteral("extends")).toString());
    }
    std::vector<std::pair<const Function*, QJsonObject>> out;
    for (const QJsonObject& node : chain) {
      const std::string serviceName = str(node.value(QStringLiteral("name")).toString());
      for (const QJsonValue& function : array(node, "functions", serviceName)) {
        out.emplace_back(&readFunction(serviceName, function.toObject()), function.toObject());
      }
    }
    return out;
  }

  /// gen_amp_commands.Model checks the annotations of every service, used or not.
  static void checkServiceAnnotations(const QJsonObject& root) {
    for (const QJsonValue& value : array(root, "services", "the schema")) {
      const QJsonObject service = value.toObject();
      const std::string name = str(service.value(QStringLiteral("name")).toString());
      checkAnnotations(service, {}, name);
      for (const QJsonValue& f : array(service, "functions", name)) {
        const QJsonObject function = f.toObject();
        const std::string where = name + "." + str(function.value(QStringLiteral("name")).toString());
        checkAnnotations(function, {"amp.command", "amp.response", "amp.alias."}, where);
        for (const QJsonValue& a : array(function, "arguments", where)) {
          const QJsonObject argument = a.toObject();
          checkAnnotations(argument, {"amp.name", "amp.flatten"},
                           where + "(" + str(argument.value(QStringLiteral("name")).toString()) + ")");
        }
      }
    }
  }

  /// gen_amp_commands.parse_alias: "key=VALUE;..." checked against the method's top-level keys.
  std::vector<std::pair<std::string, std::string>> parseAlias(const Function& function, const std::string& alias,
                                                              const std::string& text) const {
    const std::string where = function.service + "." + function.name + " amp.alias." + alias;
    std::map<std::string, const Type*> kinds;
    std::vector<std::string> keyList;
    for (const Field& argument : function.arguments) {
      if (argument.flatten) {
        for (const Field& field : argument.type.structType->fields) {
          kinds[field.key] = &field.type;
          keyList.push_back(field.key);
        }
      } else {
        kinds[argument.key] = &argument.type;
        keyList.push_back(argument.key);
      }
    }
    std::vector<std::pair<std::string, std::string>> fixed;
    std::size_t start = 0;
    while (start <= text.size()) {
      const std::size_t end = std::min(text.find(';', start), text.size());
      const std::string part = trimmed(text.substr(start, end - start));
      start = end + 1;
      if (part.empty()) continue;
      const std::size_t equals = part.find('=');
      const std::string key = equals == std::string::npos ? std::string() : trimmed(part.substr(0, equals));
      if (key.empty()) schemaError(where, "'" + part + "' is not key=VALUE");
      const std::string value = trimmed(part.substr(equals + 1));
      const auto kind = kinds.find(key);
      if (kind == kinds.end()) {
        schemaError(where, "'" + key + "' is not an argument key of the method (keys: " + joined(keyList) + ")");
      }
      if (std::ranges::any_of(fixed, [&key](const auto& kv) { return kv.first == key; })) {
        schemaError(where, "'" + key + "' fixed twice");
      }
      checkFixedValue(*kind->second, key, value, where);
      fixed.emplace_back(key, value);
    }
    if (fixed.empty()) schemaError(where, "fixes no argument");
    return fixed;
  }

 private:
  static std::string trimmed(std::string text) {
    const auto space = [](unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    while (!text.empty() && space(text.back())) text.pop_back();
    std::size_t first = 0;
    while (first < text.size() && space(text[first])) ++first;
    return text.substr(first);
  }

  static QJsonObject findService(const QJsonObject& root, const std::string& name) {
    for (const QJsonValue& value : root.value(QStringLiteral("services")).toArray()) {
      if (str(value.toObject().value(QStringLiteral("name")).toString()) == name) return value.toObject();
    }
    return {};
  }

  void readStruct(const QJsonObject& node) {
    StructType& type = schema_.structs[str(node.value(QStringLiteral("name")).toString())];
    if (type.isException) {
      checkAnnotations(node, {"amp.code"}, type.name);
      type.ampCode = annotation(node, "amp.code", type.name);
      if (type.ampCode.empty() || !printable(type.ampCode)) {
        schemaError("exception " + type.name, "'" + type.ampCode + "' is not a usable error code");
      }
      for (const QJsonValue& value : array(node, "fields", type.name)) {
        const QJsonObject field = value.toObject();
        const std::string where = type.name + "." + str(field.value(QStringLiteral("name")).toString());
        checkAnnotations(field, {}, where);
        if (field.value(QStringLiteral("name")).toString() == "message" &&
            field.value(QStringLiteral("typeId")).toString() == "string") {
          type.messageFieldId = fieldId(field, where);
        }
      }
      return;
    }
    checkAnnotations(node, {}, type.name);
    std::vector<std::string> keys;
    for (const QJsonValue& value : array(node, "fields", type.name)) {
      const QJsonObject field = value.toObject();
      const std::string where = type.name + "." + str(field.value(QStringLiteral("name")).toString());
      checkAnnotations(field, {"amp.name"}, where);
      type.fields.push_back(readField(field, where, "typeId", "type"));
      type.fields.back().optional = isOptional(field);
      keys.push_back(type.fields.back().key);
    }
    checkUnique(keys, type.name);
  }

  Field readField(const QJsonObject& node, const std::string& where, const char* idKey, const char* typeKey) {
    Field field;
    field.id = fieldId(node, where);
    field.name = str(node.value(QStringLiteral("name")).toString());
    field.key = ampKey(node, where);
    field.type = readType(node, idKey, typeKey, where);
    return field;
  }

  const StructType& structNamed(const QJsonObject& spec, const std::string& where) const {
    const std::string name = str(spec.value(QStringLiteral("class")).toString());
    const auto it = schema_.structs.find(name);
    if (it == schema_.structs.end() || it->second.isException) schemaError(where, "unknown struct '" + name + "'");
    return it->second;
  }

  const EnumType& enumNamed(const QJsonObject& spec, const std::string& where) const {
    const std::string name = str(spec.value(QStringLiteral("class")).toString());
    const auto it = schema_.enums.find(name);
    if (it == schema_.enums.end()) schemaError(where, "unknown enum '" + name + "'");
    return it->second;
  }

  /// The type `holder[idKey]` / `holder[typeKey]` describes (gen_amp_commands.Model.argument and .element).
  Type readType(const QJsonObject& holder, const char* idKey, const char* typeKey, const std::string& where,
                bool element = false) const {
    static const std::map<std::string, Kind, std::less<>> kBase = {
        {"bool", Kind::Bool},     {"byte", Kind::I8},       {"i8", Kind::I8},
        {"i16", Kind::I16},       {"i32", Kind::I32},       {"i64", Kind::I64},
        {"double", Kind::Double}, {"string", Kind::String}, {"binary", Kind::Binary}};
    const std::string typeId = str(holder.value(QLatin1String(idKey)).toString());
    const QJsonObject spec = holder.value(QLatin1String(typeKey)).toObject();
    Type type;
    if (const auto base = kBase.find(typeId); base != kBase.end()) {
      type.kind = base->second;
    } else if (typeId == "enum") {
      type.kind = Kind::Enum;
      type.enumType = &enumNamed(spec, where);
    } else if (typeId == "struct" && !element) {
      type.kind = Kind::Struct;
      type.structType = &structNamed(spec, where);
    } else if (typeId == "list" && !element) {
      type.kind = Kind::List;
      if (spec.value(QStringLiteral("elemTypeId")).toString() == "struct") {
        Type structType;
        structType.kind = Kind::Struct;
        structType.structType = &structNamed(spec.value(QStringLiteral("elemType")).toObject(), where);
        type.element = std::make_shared<const Type>(structType);
      } else {
        type.element = std::make_shared<const Type>(readType(spec, "elemTypeId", "elemType", where, true));
      }
    } else if (element) {
      schemaError(where, "a list of " + typeId + " has no AMP mapping");
    } else {
      schemaError(where, "type " + typeId + " has no AMP mapping (maps, sets and lists of lists are not supported)");
    }
    return type;
  }

  /// gen_amp_commands.Model.struct_order: a struct that contains itself has no AMP mapping (and would
  /// make the translations recurse for ever).
  void checkNoCycle(const StructType& type, std::vector<std::string> path) const {
    if (std::ranges::find(path, type.name) != path.end()) {
      path.push_back(type.name);
      schemaError("struct " + type.name, "contains itself (" + joined(path, " -> ") + "): no AMP mapping");
    }
    path.push_back(type.name);
    for (const Field& field : type.fields) {
      const Type& inner = field.type.kind == Kind::List ? *field.type.element : field.type;
      if (inner.kind == Kind::Struct) checkNoCycle(*inner.structType, path);
    }
  }

  /// gen_amp_commands.method_arguments, method_response and method_errors.
  const Function& readFunction(const std::string& serviceName, const QJsonObject& node) {
    Function function;
    function.service = serviceName;
    function.name = str(node.value(QStringLiteral("name")).toString());
    const std::string where = serviceName + "." + function.name;
    if (node.value(QStringLiteral("oneway")).toBool()) schemaError(where, "oneway methods have no AMP mapping yet");

    std::vector<std::string> keys;
    for (const QJsonValue& value : array(node, "arguments", where)) {
      const QJsonObject a = value.toObject();
      const std::string argWhere = where + "(" + str(a.value(QStringLiteral("name")).toString()) + ")";
      const std::string flatten = annotation(a, "amp.flatten", "false");
      if (flatten != "true" && flatten != "false") {
        schemaError(argWhere, "amp.flatten must be \"true\" or \"false\", not '" + flatten + "'");
      }
      Field argument = readField(a, argWhere, "typeId", "type");
      argument.flatten = flatten == "true";
      if (argument.flatten) {
        if (argument.type.kind != Kind::Struct) {
          schemaError(argWhere, "amp.flatten on a " + str(a.value(QStringLiteral("typeId")).toString()) +
                                    "; only struct arguments flatten");
        }
        if (hasAnnotation(a, "amp.name")) schemaError(argWhere, "amp.name on a flattened argument means nothing");
        for (const Field& field : argument.type.structType->fields) keys.push_back(field.key);
      } else if (argument.type.kind == Kind::Struct) {
        const auto& fields = argument.type.structType->fields;
        argument.optional = std::ranges::all_of(fields, [](const Field& f) { return f.optional; });
        keys.push_back(argument.key);
      } else {
        argument.optional = isOptional(a);
        keys.push_back(argument.key);
      }
      function.arguments.push_back(std::move(argument));
    }
    checkUnique(keys, where + " arguments");
    for (const std::string& key : keys) {
      std::string pythonName = key;
      std::ranges::replace(pythonName, '-', '_');
      if (!identifier(pythonName)) {
        schemaError(where, "argument key '" + key +
                               "' is not a Python identifier (nor is it after Twisted "
                               "replaces '-' by '_'); Twisted could not pass it as a keyword");
      }
    }

    const bool hasResponseName = hasAnnotation(node, "amp.response");
    const std::string returnTypeId = str(node.value(QStringLiteral("returnTypeId")).toString());
    if (returnTypeId == "void") {
      if (hasResponseName) schemaError(where, "amp.response on a void method");
    } else {
      function.result = readType(node, "returnTypeId", "returnType", where + " result");
      if (function.result->kind == Kind::Struct) {
        if (hasResponseName) schemaError(where, "amp.response on a struct result (its fields are the keys)");
      } else {
        function.responseKey = usableKey(annotation(node, "amp.response", "result"), where + " amp.response");
      }
    }

    for (const QJsonValue& value : array(node, "exceptions", where)) {
      const QJsonObject thrown = value.toObject();
      const QJsonObject spec = thrown.value(QStringLiteral("type")).toObject();
      const std::string name = str(spec.value(QStringLiteral("class")).toString());
      const auto it = schema_.structs.find(name);
      if (it == schema_.structs.end() || !it->second.isException) {
        schemaError(where, "unknown exception '" + name + "'");
      }
      function.exceptions.push_back({fieldId(thrown, where + " throws"), &it->second});
    }
    schema_.functions.push_back(std::move(function));
    return schema_.functions.back();
  }

  /// gen_amp_commands.check_fixed_value, plus the range of an integer (the value is sent on every call, so
  /// one out of range would make the alias fail every time).
  void checkFixedValue(const Type& type, const std::string& key, const std::string& value,
                       const std::string& where) const {
    const std::string label = key + "=" + value + ": '" + value + "'";
    bool ok = true;
    std::string typeName;
    switch (type.kind) {
      case Kind::I8:
      case Kind::I16:
      case Kind::I32:
      case Kind::I64: {
        typeName = "integer";
        ok = std::regex_match(value, std::regex("-?[0-9]+")) &&
             integerRangeError(type.kind, decodeInteger(value)).empty();
        break;
      }
      case Kind::Double:
        typeName = "double";
        ok = std::regex_match(value, std::regex(R"(-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|nan|-?inf)"));
        break;
      case Kind::Bool:
        typeName = "bool";
        ok = value == "True" || value == "False";
        break;
      case Kind::Enum: {
        std::vector<std::string> names;
        for (const auto& member : type.enumType->members) names.push_back(member.first);
        if (std::ranges::find(names, value) == names.end()) {
          schemaError(where, label + " is not a name of " + type.enumType->name + " (" + joined(names) + ")");
        }
        break;
      }
      case Kind::String:
      case Kind::Binary:
        break;
      case Kind::Struct:
      case Kind::List:
        schemaError(where, key + " is a " + (type.kind == Kind::Struct ? "struct" : "list") +
                               "; only single values can be fixed");
    }
    if (!ok) schemaError(where, label + " is not a valid " + typeName);
  }

  Schema& schema_;
  std::vector<QJsonObject> structNodes_;
};

// ---------------------------------------------------------------- shared helpers

TType thriftType(Kind kind) {
  switch (kind) {
    case Kind::Bool:
      return apache::thrift::protocol::T_BOOL;
    case Kind::I8:
      return apache::thrift::protocol::T_BYTE;
    case Kind::I16:
      return apache::thrift::protocol::T_I16;
    case Kind::I32:
    case Kind::Enum:
      return apache::thrift::protocol::T_I32;
    case Kind::I64:
      return apache::thrift::protocol::T_I64;
    case Kind::Double:
      return apache::thrift::protocol::T_DOUBLE;
    case Kind::String:
    case Kind::Binary:
      return apache::thrift::protocol::T_STRING;
    case Kind::Struct:
      return apache::thrift::protocol::T_STRUCT;
    case Kind::List:
      return apache::thrift::protocol::T_LIST;
  }
  return apache::thrift::protocol::T_STOP;
}

/// A peer's value for an error sentence: quoted when short and printable, else only its size (it may be
/// binary or megabytes long).
std::string quoteValue(std::string_view value) {
  if (value.size() <= 64 && printable(value) &&
      std::ranges::none_of(value, [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    return "'" + std::string(value) + "'";
  }
  return "a value of " + std::to_string(value.size()) + " bytes";
}

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

// ---------------------------------------------------------------- AMP box -> Thrift call

/// The request box as the translation sees it: an alias's fixed values first, then the peer's keys.
/// (A view rather than an edited copy: a request may carry megabytes of picture data.)
class BoxView {
 public:
  BoxView(const AmpBox& box, const std::vector<std::pair<std::string, std::string>>* fixed)
      : box_(box), fixed_(fixed) {}

  const std::string* find(std::string_view key) const {
    if (const std::string* value = findFixed(key)) return value;
    return box_.find(key);
  }

  /// A BigString/BigUnicode value, as the chunks it came in (views of the box's values). A fixed value is
  /// the whole value: chunks the peer sent under its key do not extend it.
  std::optional<std::vector<std::string_view>> bigStringChunks(std::string_view key) const {
    if (const std::string* value = findFixed(key)) return std::vector<std::string_view>{*value};
    return vitrine::bigStringChunks(box_, key);
  }

  bool hasKeyStartingWith(std::string_view prefix) const {
    const auto starts = [prefix](const auto& entry) { return std::string_view(entry.first).starts_with(prefix); };
    return std::ranges::any_of(box_, starts) || (fixed_ && std::ranges::any_of(*fixed_, starts));
  }

 private:
  const std::string* findFixed(std::string_view key) const {
    if (!fixed_) return nullptr;
    for (const auto& [fixedKey, value] : *fixed_) {
      if (fixedKey == key) return &value;
    }
    return nullptr;
  }

  const AmpBox& box_;
  const std::vector<std::pair<std::string, std::string>>* fixed_;
};

/// Writes the args struct of a call from a request box, stopping at the first bad value with a sentence
/// in error().
class CallWriter {
 public:
  /// `protocol` writes into `buffer` (chunked strings are appended to it directly).
  CallWriter(Protocol& protocol, TMemoryBuffer& buffer) : protocol_(protocol), buffer_(buffer) {}

  bool writeArguments(const Function& function, const BoxView& box) {
    protocol_.writeStructBegin((function.name + "_args").c_str());
    for (const Field& argument : function.arguments) {
      if (argument.flatten) {
        protocol_.writeFieldBegin(argument.name.c_str(), apache::thrift::protocol::T_STRUCT, argument.id);
        if (!writeStruct(box, "", *argument.type.structType)) return false;
        protocol_.writeFieldEnd();
      } else if (!writeField(box, "", argument)) {
        return false;
      }
    }
    protocol_.writeFieldStop();
    protocol_.writeStructEnd();
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  /// Writes `field` from the key `prefix + field.key`; an absent optional one is left out.
  bool writeField(const BoxView& box, const std::string& prefix, const Field& field) {
    const std::string key = prefix + field.key;
    const Type& type = field.type;
    if (type.kind == Kind::Struct) {
      const std::string inner = key + ".";
      if (field.optional && !box.hasKeyStartingWith(inner)) return true;
      protocol_.writeFieldBegin(field.name.c_str(), apache::thrift::protocol::T_STRUCT, field.id);
      if (!writeStruct(box, inner, *type.structType)) return false;
      protocol_.writeFieldEnd();
      return true;
    }
    if (type.kind == Kind::String || type.kind == Kind::Binary) {
      const std::optional<std::vector<std::string_view>> chunks = box.bigStringChunks(key);
      if (!chunks) return field.optional || missing(key);
      protocol_.writeFieldBegin(field.name.c_str(), thriftType(type.kind), field.id);
      if (!writeChunked(type.kind, *chunks, key)) return false;
      protocol_.writeFieldEnd();
      return true;
    }
    const std::string* raw = box.find(key);
    if (!raw) return field.optional || missing(key);
    protocol_.writeFieldBegin(field.name.c_str(), thriftType(type.kind), field.id);
    if (type.kind == Kind::List ? !writeList(type, *raw, key) : !writeSingle(type, *raw, key)) return false;
    protocol_.writeFieldEnd();
    return true;
  }

  /// A string or binary value, written from its BigString chunks where they lie in the box: what
  /// writeBinary would write for the joined value (an i32 length, the bytes), without joining them
  /// first (a picture's megabyte is copied once, into the message).
  bool writeChunked(Kind kind, const std::vector<std::string_view>& chunks, const std::string& key) {
    std::size_t total = 0;
    for (const std::string_view chunk : chunks) total += chunk.size();
    if (kind == Kind::String) {
      // UTF-8 sequences may straddle chunks: check the value whole (strings are rarely more than one chunk).
      const bool valid = chunks.size() == 1 ? isValidUtf8(chunks.front()) : isValidUtf8(joinedChunks(chunks, total));
      if (!valid) return bad(key, "not valid UTF-8");
    }
    if (total > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
      return bad(key, "a value of " + std::to_string(total) + " bytes is over Thrift's 2 GiB limit");
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

  bool writeStruct(const BoxView& box, const std::string& prefix, const StructType& type) {
    protocol_.writeStructBegin(type.name.c_str());
    for (const Field& field : type.fields) {
      if (!writeField(box, prefix, field)) return false;
    }
    protocol_.writeFieldStop();
    protocol_.writeStructEnd();
    return true;
  }

  /// A value that is not a list or struct; `raw` is already joined for strings and binary.
  bool writeSingle(const Type& type, std::string_view raw, const std::string& key, const std::string& element = {}) {
    std::string reason;
    const auto fail = [this, &key, &element](const std::string& why) { return this->bad(key, element + why); };
    switch (type.kind) {
      case Kind::Bool: {
        const auto value = decodeBoolean(raw, &reason);
        if (!value) return fail(reason);
        protocol_.writeBool(*value);
        return true;
      }
      case Kind::I8:
      case Kind::I16:
      case Kind::I32:
      case Kind::I64: {
        const auto value = decodeInteger(raw, &reason);
        if (!value) return fail(reason);
        if (const std::string range = integerRangeError(type.kind, value); !range.empty()) {
          return fail(std::to_string(*value) + " is " + range);
        }
        if (type.kind == Kind::I8) protocol_.writeByte(static_cast<std::int8_t>(*value));
        if (type.kind == Kind::I16) protocol_.writeI16(static_cast<std::int16_t>(*value));
        if (type.kind == Kind::I32) protocol_.writeI32(static_cast<std::int32_t>(*value));
        if (type.kind == Kind::I64) protocol_.writeI64(*value);
        return true;
      }
      case Kind::Double: {
        const auto value = decodeFloat(raw, &reason);
        if (!value) return fail(reason);
        protocol_.writeDouble(*value);
        return true;
      }
      case Kind::String:
        if (!isValidUtf8(raw)) return fail("not valid UTF-8");
        protocol_.writeString(std::string(raw));
        return true;
      case Kind::Binary:
        protocol_.writeBinary(std::string(raw));
        return true;
      case Kind::Enum: {
        const EnumType& enumType = *type.enumType;
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
      case Kind::Struct:
      case Kind::List:
        break;
    }
    return fail("has no single-value mapping");  // unreachable: load() gives lists and structs their own paths
  }

  bool writeList(const Type& type, std::string_view raw, const std::string& key) {
    const Type& element = *type.element;
    std::string reason;
    if (element.kind == Kind::Struct) {
      const auto rows = decodeAmpList(raw, &reason);
      if (!rows) return bad(key, reason);
      protocol_.writeListBegin(apache::thrift::protocol::T_STRUCT, static_cast<std::uint32_t>(rows->size()));
      const std::string outer = row_;
      for (std::size_t i = 0; i < rows->size(); ++i) {
        row_ = (outer.empty() ? "argument '" + key + "'" : outer + "key '" + key + "'") + ": row " +
               std::to_string(i + 1) + ": ";
        if (!writeStruct(BoxView((*rows)[i], nullptr), "", *element.structType)) return false;
      }
      row_ = outer;
      protocol_.writeListEnd();
      return true;
    }
    const auto items = decodeListOf(raw, &reason);
    if (!items) return bad(key, reason);
    protocol_.writeListBegin(thriftType(element.kind), static_cast<std::uint32_t>(items->size()));
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

// ---------------------------------------------------------------- Thrift values -> AMP keys

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

  /// Reads a value of wire type `wire` as `type` under `key`; false if it was skipped.
  bool readValue(const Type& type, TType wire, const std::string& key, AmpBox& out) {
    if (wire != thriftType(type.kind)) {
      protocol_.skip(wire);
      return false;
    }
    switch (type.kind) {
      case Kind::Struct:
        readStructFields(*type.structType, key + ".", out);
        return true;
      case Kind::List:
        out.set(key, readList(type, key));
        return true;
      case Kind::String:
      case Kind::Binary: {
        std::string value;
        protocol_.readBinary(value);
        setBigString(out, key, value);
        return true;
      }
      default:
        out.set(key, readSingle(type));
        return true;
    }
  }

  /// Reads a struct, each field under `prefix + field key`; unknown field ids are skipped.
  void readStructFields(const StructType& type, const std::string& prefix, AmpBox& out) {
    std::string name;
    protocol_.readStructBegin(name);
    while (true) {
      TType wire = apache::thrift::protocol::T_STOP;
      std::int16_t id = 0;
      protocol_.readFieldBegin(name, wire, id);
      if (wire == apache::thrift::protocol::T_STOP) break;
      const auto field = std::ranges::find(type.fields, id, &Field::id);
      if (field == type.fields.end()) {
        protocol_.skip(wire);
      } else {
        readValue(field->type, wire, prefix + field->key, out);
      }
      protocol_.readFieldEnd();
    }
    protocol_.readStructEnd();
  }

 private:
  /// A list element or a value that is neither string, list nor struct, encoded for AMP.
  std::string readSingle(const Type& type) {
    switch (type.kind) {
      case Kind::Bool: {
        bool value = false;
        protocol_.readBool(value);
        return encodeBoolean(value);
      }
      case Kind::I8: {
        std::int8_t value = 0;
        protocol_.readByte(value);
        return encodeInteger(value);
      }
      case Kind::I16: {
        std::int16_t value = 0;
        protocol_.readI16(value);
        return encodeInteger(value);
      }
      case Kind::I32: {
        std::int32_t value = 0;
        protocol_.readI32(value);
        return encodeInteger(value);
      }
      case Kind::I64: {
        std::int64_t value = 0;
        protocol_.readI64(value);
        return encodeInteger(value);
      }
      case Kind::Double: {
        double value = 0;
        protocol_.readDouble(value);
        return encodeFloat(value);
      }
      case Kind::Enum: {
        std::int32_t value = 0;
        protocol_.readI32(value);
        const auto& members = type.enumType->members;
        const auto member = std::ranges::find(members, value, &std::pair<std::string, std::int32_t>::second);
        // A number the IDL does not name (a newer server?) still says something as its decimal.
        return member == members.end() ? encodeInteger(value) : member->first;
      }
      case Kind::String:
      case Kind::Binary: {
        std::string value;
        protocol_.readBinary(value);  // raw inside a ListOf: String and Unicode elements alike
        return value;
      }
      case Kind::Struct:
      case Kind::List:
        break;
    }
    throw std::logic_error("readSingle on a struct or list");  // load() gives no list of lists
  }

  std::string readList(const Type& type, const std::string& key) {
    const Type& element = *type.element;
    TType wire = apache::thrift::protocol::T_STOP;
    std::uint32_t size = 0;
    protocol_.readListBegin(wire, size);
    const bool matches = wire == thriftType(element.kind);
    std::string encoded;
    std::string reason;
    if (element.kind == Kind::Struct) {
      std::vector<AmpBox> rows;
      for (std::uint32_t i = 0; i < size; ++i) {
        if (!matches) {
          protocol_.skip(wire);
          continue;
        }
        rows.emplace_back();
        readStructFields(*element.structType, "", rows.back());
      }
      protocol_.readListEnd();
      if (auto list = encodeAmpList(rows, &reason)) return std::move(*list);
      std::size_t total = 0;
      for (const AmpBox& row : rows) total += boxWireSize(row);
      tooLarge(key, "AmpList", rows.size(), total);
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
    tooLarge(key, "ListOf", items.size(), total);
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
AmpReply readDeclaredException(Protocol& protocol, const StructType& type) {
  std::string name;
  std::optional<std::string> message;
  protocol.readStructBegin(name);
  while (true) {
    TType wire = apache::thrift::protocol::T_STOP;
    std::int16_t id = 0;
    protocol.readFieldBegin(name, wire, id);
    if (wire == apache::thrift::protocol::T_STOP) break;
    if (type.messageFieldId && id == *type.messageFieldId && wire == apache::thrift::protocol::T_STRING) {
      message.emplace();
      protocol.readString(*message);
    } else {
      protocol.skip(wire);
    }
    protocol.readFieldEnd();
  }
  protocol.readStructEnd();
  AmpReply reply;
  reply.errorCode = type.ampCode;
  reply.errorDescription = message ? std::move(*message) : type.name;
  return reply;
}

}  // namespace

// ---------------------------------------------------------------- AmpSchema

AmpSchema::AmpSchema() : schema_(std::make_unique<amp_detail::Schema>()) {}
AmpSchema::~AmpSchema() = default;

std::shared_ptr<const AmpSchema> AmpSchema::load(std::string_view json, std::string_view servedService,
                                                 std::string_view callbackService) {
  QJsonParseError parseError;
  const QJsonDocument document =
      QJsonDocument::fromJson(QByteArray(json.data(), static_cast<qsizetype>(json.size())), &parseError);
  if (document.isNull() || !document.isObject()) {
    throw std::runtime_error("AMP schema: not a JSON object: " + str(parseError.errorString()));
  }
  const QJsonObject root = document.object();

  std::shared_ptr<AmpSchema> schema(new AmpSchema());
  Schema& model = *schema->schema_;
  Loader loader(model);
  loader.readTypes(root);
  Loader::checkServiceAnnotations(root);

  // Names across both tables: Twisted keeps one class per name, and a peer sees both directions.
  std::set<std::string> wireNames;
  const auto claim = [&wireNames](const std::string& name, const std::string& where) {
    usableKey(name, where + " command name");
    if (!identifier(name)) schemaError(where, "'" + name + "' cannot be a class name in the generated module");
    if (!wireNames.insert(name).second) schemaError(where, "two commands are named '" + name + "'");
  };

  for (const auto& [function, node] : loader.service(root, std::string(servedService))) {
    const std::string where = function->service + "." + function->name;
    AmpCommand command;
    command.name = annotation(node, "amp.command", function->name);
    command.method = function->name;
    command.function = function;
    claim(command.name, where);
    schema->commands_.push_back(command);
    // QJsonObject iterates keys sorted, as the JSON writes them (and so as the Python generator reads them).
    const QJsonObject annotations = node.value(QStringLiteral("annotations")).toObject();
    for (auto it = annotations.begin(); it != annotations.end(); ++it) {
      const std::string key = str(it.key());
      if (!key.starts_with("amp.alias.")) continue;
      AmpCommand alias;
      alias.name = key.substr(std::string_view("amp.alias.").size());
      alias.method = function->name;
      alias.function = function;
      alias.fixedArguments = loader.parseAlias(*function, alias.name, str(it.value().toString()));
      claim(alias.name, where + " amp.alias." + alias.name);
      schema->commands_.push_back(std::move(alias));
    }
  }

  if (!callbackService.empty()) {
    for (const auto& [function, node] : loader.service(root, std::string(callbackService))) {
      const std::string where = function->service + "." + function->name;
      const QStringList keys = node.value(QStringLiteral("annotations")).toObject().keys();
      if (std::ranges::any_of(keys, [](const QString& k) { return k.startsWith(QStringLiteral("amp.alias.")); })) {
        // vitrine sends a callback under one name; a second name would never be used.
        schemaError(where, "amp.alias on a callback means nothing");
      }
      AmpCommand command;
      command.name = annotation(node, "amp.command", function->name);
      command.method = function->name;
      command.function = function;
      claim(command.name, where);
      schema->callbacks_.push_back(std::move(command));
    }
  }

  for (std::size_t i = 0; i < schema->commands_.size(); ++i) model.commandIndex.emplace(schema->commands_[i].name, i);
  for (std::size_t i = 0; i < schema->callbacks_.size(); ++i) {
    model.callbackIndex.emplace(schema->callbacks_[i].method, i);
  }
  return schema;
}

const AmpCommand* AmpSchema::find(std::string_view name) const {
  const auto it = schema_->commandIndex.find(name);
  return it == schema_->commandIndex.end() ? nullptr : &commands_[it->second];
}

const AmpCommand* AmpSchema::findCallback(std::string_view method) const {
  const auto it = schema_->callbackIndex.find(method);
  return it == schema_->callbackIndex.end() ? nullptr : &callbacks_[it->second];
}

std::optional<std::string> AmpSchema::callFromBox(const AmpCommand& command, const AmpBox& request, std::int32_t seqid,
                                                  std::string* error) const {
  auto buffer = std::make_shared<TMemoryBuffer>();
  if (!writeCallFromBox(command, request, seqid, buffer, error)) return std::nullopt;
  return buffer->getBufferAsString();
}

bool AmpSchema::writeCallFromBox(const AmpCommand& command, const AmpBox& request, std::int32_t seqid,
                                 const std::shared_ptr<TMemoryBuffer>& out, std::string* error) const {
  std::string ignored;
  std::string& why = error ? *error : ignored;
  try {
    out->resetBuffer();  // empties it; an owned buffer keeps its memory
    Protocol protocol(out);
    protocol.writeMessageBegin(command.method, apache::thrift::protocol::T_CALL, seqid);
    CallWriter writer(protocol, *out);
    if (!writer.writeArguments(*command.function, BoxView(request, &command.fixedArguments))) {
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

AmpReply AmpSchema::replyToBox(const AmpCommand& command, std::string_view replyMessage) const {
  const Function& function = *command.function;
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
      return unknownError("the reply to " + function.name + " is a message of type " + std::to_string(type));
    }
    if (name != function.name) return unknownError("the reply to " + function.name + " is a reply to " + name);

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
      const auto thrown = std::ranges::find(function.exceptions, id, &ThrownException::id);
      if (id == 0 && function.result) {
        if (function.result->kind == Kind::Struct && wire == apache::thrift::protocol::T_STRUCT) {
          // A struct result spreads its fields as the answer's keys.
          values.readStructFields(*function.result->structType, "", reply.answer);
          success = true;
        } else {
          success = values.readValue(*function.result, wire, function.responseKey, reply.answer) || success;
        }
      } else if (thrown != function.exceptions.end() && wire == apache::thrift::protocol::T_STRUCT && !declared) {
        declared = readDeclaredException(protocol, *thrown->type);
      } else {
        protocol.skip(wire);
      }
      protocol.readFieldEnd();
    }
    protocol.readStructEnd();
    protocol.readMessageEnd();
    if (declared) return std::move(*declared);
    if (function.result && !success) {
      return unknownError(function.name + " failed: unknown result");  // what the generated client says
    }
    reply.ok = true;
    return reply;
  } catch (const LimitError& e) {
    AmpReply reply;
    reply.errorCode = "LIMIT_EXCEEDED";
    reply.errorDescription = e.what();
    return reply;
  } catch (const std::exception& e) {
    return unknownError("the reply to " + function.name + " cannot be read: " + e.what());
  } catch (...) {
    return unknownError("the reply to " + function.name + " cannot be read");
  }
}

AmpBox AmpSchema::boxFromCall(const AmpCommand& command, std::string_view callMessage) const {
  const Function& function = *command.function;
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
    if (name != function.name) throw std::runtime_error("a call of " + name + ", not of " + function.name);

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
      const auto argument = std::ranges::find(function.arguments, id, &Field::id);
      if (argument == function.arguments.end()) {
        protocol.skip(wire);
      } else if (argument->flatten && wire == apache::thrift::protocol::T_STRUCT) {
        values.readStructFields(*argument->type.structType, "", box);
      } else {
        values.readValue(argument->type, wire, argument->key, box);
      }
      protocol.readFieldEnd();
    }
    protocol.readStructEnd();
    protocol.readMessageEnd();
    return box;
  } catch (const std::exception& e) {
    throw std::runtime_error("AMP callback " + command.name + " (" + function.name + "): " + e.what());
  }
}

}  // namespace vitrine
