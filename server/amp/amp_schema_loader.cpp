// The reader of gen/amp/vitrine_amp.json (see amp_schema_loader.h). It reads; it decides nothing: where
// the generator resolved a rule, the result is a member here (a key's full name, `optional`, `default`,
// `fixed`...).
#include "amp/amp_schema_loader.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>
#include <QSet>
#include <QString>
#include <QStringList>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "amp/amp_box.h"

namespace vitrine {

namespace {

using apache::thrift::protocol::TType;

std::string str(const QString& text) { return text.toStdString(); }

/// A JSON object being read: each member by name and type, with where it is for the error messages.
/// done() refuses the members that were not read.
class Node {
 public:
  Node(QJsonObject object, std::string where) : object_(std::move(object)), where_(std::move(where)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("AMP schema: " + where_ + (where_.empty() ? "" : ": ") + what);
  }

  const std::string& where() const { return where_; }
  bool has(const char* key) const { return object_.contains(QLatin1String(key)); }

  std::string string(const char* key) { return str(value(key, QJsonValue::String, "a string").toString()); }

  /// A string that must not be empty.
  std::string name(const char* key) {
    std::string text = string(key);
    if (text.empty()) fail(std::string("\"") + key + "\" is empty");
    return text;
  }

  std::optional<std::string> optionalString(const char* key) {
    if (!has(key)) return std::nullopt;
    return string(key);
  }

  bool boolean(const char* key) { return value(key, QJsonValue::Bool, "true or false").toBool(); }

  std::int64_t integer(const char* key, std::int64_t low, std::int64_t high) {
    const double number = value(key, QJsonValue::Double, "a number").toDouble();
    // The range test first: converting an out-of-range double to an integer is undefined.
    if (!(number >= static_cast<double>(low) && number <= static_cast<double>(high)) || std::trunc(number) != number) {
      fail(std::string("\"") + key + "\" is not a whole number in " + std::to_string(low) + ".." +
           std::to_string(high));
    }
    return static_cast<std::int64_t>(number);
  }

  std::int16_t fieldId(const char* key) { return static_cast<std::int16_t>(integer(key, INT16_MIN, INT16_MAX)); }

  QJsonArray array(const char* key) { return value(key, QJsonValue::Array, "a list").toArray(); }

  /// The member `key` as an object, or std::nullopt when it is null.
  std::optional<QJsonObject> objectOrNull(const char* key) {
    const QJsonValue member = object_.value(QLatin1String(key));
    read_.insert(QLatin1String(key));
    if (member.isNull() && has(key)) return std::nullopt;
    return value(key, QJsonValue::Object, "an object or null").toObject();
  }

  QJsonObject object(const char* key) { return value(key, QJsonValue::Object, "an object").toObject(); }

  /// A field id that may be null (std::nullopt); the member itself must be there.
  std::optional<std::int16_t> fieldIdOrNull(const char* key) {
    read_.insert(QLatin1String(key));
    if (has(key) && object_.value(QLatin1String(key)).isNull()) return std::nullopt;
    return fieldId(key);
  }

  /// Refuses the members nobody read: this server has no rule for them.
  void done() const {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (!read_.contains(it.key())) {
        QStringList known(read_.begin(), read_.end());
        known.sort();
        fail("unknown member \"" + str(it.key()) + "\" (this server reads " + str(known.join(QStringLiteral(", "))) +
             ")");
      }
    }
  }

 private:
  QJsonValue value(const char* key, QJsonValue::Type type, const char* what) {
    read_.insert(QLatin1String(key));
    if (!has(key)) fail(std::string("no \"") + key + "\"");
    const QJsonValue member = object_.value(QLatin1String(key));
    if (member.type() != type) fail(std::string("\"") + key + "\" is not " + what);
    return member;
  }

  QJsonObject object_;
  std::string where_;
  QSet<QString> read_;
};

/// An element of a list member, which must be an object.
Node element(const Node& parent, const QJsonValue& value, const std::string& where) {
  if (!value.isObject()) parent.fail(where + " is not an object");
  return Node(value.toObject(), parent.where() + (parent.where().empty() ? "" : ", ") + where);
}

struct TypeInfo {
  ThriftType thrift;
  TType wire;
};

const std::map<std::string, TypeInfo, std::less<>>& thriftTypes() {
  static const std::map<std::string, TypeInfo, std::less<>> types = {
      {"bool", {ThriftType::Bool, apache::thrift::protocol::T_BOOL}},
      {"i8", {ThriftType::I8, apache::thrift::protocol::T_BYTE}},
      {"i16", {ThriftType::I16, apache::thrift::protocol::T_I16}},
      {"i32", {ThriftType::I32, apache::thrift::protocol::T_I32}},
      {"i64", {ThriftType::I64, apache::thrift::protocol::T_I64}},
      {"double", {ThriftType::Double, apache::thrift::protocol::T_DOUBLE}},
      {"string", {ThriftType::String, apache::thrift::protocol::T_STRING}},
      {"binary", {ThriftType::Binary, apache::thrift::protocol::T_STRING}},
      {"enum", {ThriftType::Enum, apache::thrift::protocol::T_I32}},
      {"struct", {ThriftType::Struct, apache::thrift::protocol::T_STRUCT}},
      {"list", {ThriftType::List, apache::thrift::protocol::T_LIST}}};
  return types;
}

const std::map<std::string, AmpType, std::less<>>& ampTypes() {
  static const std::map<std::string, AmpType, std::less<>> types = {
      {"Boolean", AmpType::Boolean},     {"Integer", AmpType::Integer}, {"Float", AmpType::Float},
      {"Unicode", AmpType::Unicode},     {"String", AmpType::String},   {"BigUnicode", AmpType::BigUnicode},
      {"BigString", AmpType::BigString}, {"Enum", AmpType::Enum},       {"Struct", AmpType::Struct},
      {"AmpList", AmpType::AmpList},     {"ListOf", AmpType::ListOf}};
  return types;
}

/// Where a node sits, which decides the AMP types it may have: a key of a box (chunked strings), or a
/// ListOf's element (single values), or an AmpList's element (a struct).
enum class Place { Key, ListOfElement, AmpListElement };

/// The translations the server implements: which AMP type may carry which Thrift type, where.
bool translatable(ThriftType thrift, AmpType amp, Place place) {
  if (place == Place::AmpListElement) return thrift == ThriftType::Struct && amp == AmpType::Struct;
  const bool element = place == Place::ListOfElement;
  switch (thrift) {
    case ThriftType::Bool:
      return amp == AmpType::Boolean;
    case ThriftType::I8:
    case ThriftType::I16:
    case ThriftType::I32:
    case ThriftType::I64:
      return amp == AmpType::Integer;
    case ThriftType::Double:
      return amp == AmpType::Float;
    case ThriftType::String:
      return amp == (element ? AmpType::Unicode : AmpType::BigUnicode);
    case ThriftType::Binary:
      return amp == (element ? AmpType::String : AmpType::BigString);
    case ThriftType::Enum:
      return amp == AmpType::Enum;
    case ThriftType::Struct:
      return !element && amp == AmpType::Struct;
    case ThriftType::List:
      return !element && (amp == AmpType::AmpList || amp == AmpType::ListOf);
  }
  return false;
}

class Loader {
 public:
  void readEnums(Node& root) {
    const QJsonArray list = root.array("enums");
    for (qsizetype i = 0; i < list.size(); ++i) {
      Node node = element(root, list[i], "enums[" + std::to_string(i) + "]");
      auto type = std::make_shared<AmpEnum>();
      type->name = node.name("name");
      Node named(QJsonObject(), "enum " + type->name);
      const QJsonArray members = node.array("members");
      if (members.isEmpty()) named.fail("no members");
      for (qsizetype m = 0; m < members.size(); ++m) {
        Node member = element(named, members[m], "members[" + std::to_string(m) + "]");
        std::string name = member.name("name");
        const auto value = static_cast<std::int32_t>(member.integer("value", INT32_MIN, INT32_MAX));
        member.done();
        if (std::ranges::any_of(type->members, [&name](const auto& kv) { return kv.first == name; })) {
          named.fail("two members are named '" + name + "'");
        }
        type->members.emplace_back(std::move(name), value);
      }
      node.done();
      if (!enums_.emplace(type->name, type).second) root.fail("two enums are named '" + type->name + "'");
    }
  }

  std::vector<AmpCommand> readCommands(Node& root, const char* member) {
    std::vector<AmpCommand> commands;
    const QJsonArray list = root.array(member);
    for (qsizetype i = 0; i < list.size(); ++i) {
      Node node = element(root, list[i], std::string(member) + "[" + std::to_string(i) + "]");
      AmpCommand command;
      command.name = node.name("name");
      Node named(QJsonObject(),
                 std::string(member) == "callbacks" ? "callback " + command.name : "command " + command.name);
      command.service = node.name("service");
      command.method = node.name("method");
      const QJsonArray arguments = node.array("arguments");
      for (qsizetype a = 0; a < arguments.size(); ++a) {
        Node argument = element(named, arguments[a], "arguments[" + std::to_string(a) + "]");
        command.arguments.push_back(readField(argument, Place::Key));
      }
      if (const auto result = node.objectOrNull("result")) {
        Node resultNode(*result, named.where() + ", result");
        command.result = readField(resultNode, Place::Key);
        if (command.result->id != 0) resultNode.fail("a result's field id is 0");
      }
      const QJsonArray errors = node.array("errors");
      for (qsizetype e = 0; e < errors.size(); ++e) {
        Node error = element(named, errors[e], "errors[" + std::to_string(e) + "]");
        AmpError declared;
        declared.id = error.fieldId("id");
        declared.exception = error.name("exception");
        declared.code = error.name("code");
        declared.messageFieldId = error.fieldIdOrNull("messageFieldId");
        error.done();
        command.errors.push_back(std::move(declared));
      }
      node.done();

      std::vector<std::string> keys;
      for (const AmpField& argument : command.arguments) {
        collectKeys(argument, keys);
        collectFixed(argument, command.fixedArguments);
      }
      checkUnique(keys, named, "the request");
      keys.clear();
      if (command.result) collectKeys(*command.result, keys);
      checkUnique(keys, named, "the answer");
      std::ranges::sort(command.fixedArguments);
      commands.push_back(std::move(command));
    }
    return commands;
  }

 private:
  /// A field, an argument or a result (Place::Key), or a list's element.
  AmpField readField(Node& node, Place place) {
    AmpField field;
    if (place == Place::Key) {
      field.id = node.fieldId("id");
      field.name = node.name("name");
    }
    const std::string thrift = node.string("thrift");
    const std::string amp = node.string("amp");
    const auto thriftType = thriftTypes().find(thrift);
    if (thriftType == thriftTypes().end())
      node.fail("\"thrift\" is '" + thrift + "', a type this server has no translation for");
    const auto ampType = ampTypes().find(amp);
    if (ampType == ampTypes().end()) node.fail("\"amp\" is '" + amp + "', a type this server has no translation for");
    field.thrift = thriftType->second.thrift;
    field.wire = thriftType->second.wire;
    field.amp = ampType->second;
    if (!translatable(field.thrift, field.amp, place)) {
      node.fail(std::string("a ") + thrift + " as an AMP " + amp + (place == Place::Key ? "" : " list element") +
                " has no translation here");
    }
    if (field.thrift == ThriftType::Enum) {
      const std::string name = node.name("enum");
      const auto found = enums_.find(name);
      if (found == enums_.end()) node.fail("unknown enum '" + name + "'");
      field.enumType = found->second;
    }

    if (field.thrift == ThriftType::Struct) {
      field.structName = node.name("struct");
      if (place == Place::Key) {
        field.keyPrefix = node.string("keyPrefix");
        if (!field.keyPrefix.empty() && !field.keyPrefix.ends_with('.'))
          node.fail("\"keyPrefix\" does not end with '.'");
        field.optional = node.boolean("optional");
      }
      const QJsonArray fields = node.array("fields");
      for (qsizetype f = 0; f < fields.size(); ++f) {
        Node child = element(node, fields[f], "fields[" + std::to_string(f) + "]");
        field.fields.push_back(readField(child, Place::Key));
        field.holdsFixed = field.holdsFixed || field.fields.back().fixedValue || field.fields.back().holdsFixed;
      }
      std::set<std::int16_t> ids;
      for (const AmpField& child : field.fields) {
        if (!ids.insert(child.id).second) node.fail("two fields have the id " + std::to_string(child.id));
      }
      if (place == Place::AmpListElement) {
        std::vector<std::string> keys;
        for (const AmpField& child : field.fields) collectKeys(child, keys);
        checkUnique(keys, node, "a row");
      }
      node.done();
      return field;
    }

    if (place == Place::Key) {
      field.key = node.string("key");
      if (field.key.empty() || field.key.size() > kAmpMaxKeyBytes || field.key.starts_with('_')) {
        node.fail("'" + field.key + "' is not a usable AMP key");
      }
      field.optional = node.boolean("optional");
      field.defaultValue = node.optionalString("default");
      field.fixedValue = node.optionalString("fixed");
      for (const auto& [label, value] :
           {std::pair{"default", &field.defaultValue}, std::pair{"fixed", &field.fixedValue}}) {
        if (!*value) continue;
        if (field.thrift == ThriftType::List) node.fail(std::string("a list cannot have a ") + label + " value");
        if (const std::string why = unacceptable(field, **value); !why.empty()) {
          node.fail(std::string(label) + " value '" + **value + "': " + why);
        }
      }
    }
    if (field.thrift == ThriftType::List) {
      Node child(node.object("element"), node.where() + ", element");
      field.element = std::make_shared<const AmpField>(
          readField(child, field.amp == AmpType::AmpList ? Place::AmpListElement : Place::ListOfElement));
    }
    node.done();
    return field;
  }

  /// "" when the translations accept `value` (a default or fixed wire value) for `field`, else why not.
  static std::string unacceptable(const AmpField& field, const std::string& value) {
    std::string why;
    switch (field.amp) {
      case AmpType::Boolean:
        return decodeBoolean(value, &why) ? "" : why;
      case AmpType::Integer: {
        const auto number = decodeInteger(value, &why);
        return number ? integerRangeError(field.thrift, *number) : why;
      }
      case AmpType::Float:
        return decodeFloat(value, &why) ? "" : why;
      case AmpType::BigUnicode:
      case AmpType::Unicode:
        return isValidUtf8(value) ? "" : "not valid UTF-8";
      case AmpType::Enum: {
        const auto& members = field.enumType->members;
        const bool known = std::ranges::any_of(members, [&value](const auto& kv) { return kv.first == value; });
        return known ? "" : "not a name of " + field.enumType->name;
      }
      default:
        return "";
    }
  }

  /// The keys `field` puts in its box (not those inside an AmpList's rows), struct prefixes excluded.
  static void collectKeys(const AmpField& field, std::vector<std::string>& keys) {
    if (field.thrift == ThriftType::Struct) {
      for (const AmpField& child : field.fields) collectKeys(child, keys);
    } else {
      keys.push_back(field.key);
    }
  }

  static void collectFixed(const AmpField& field, std::vector<std::pair<std::string, std::string>>& fixed) {
    if (field.fixedValue) fixed.emplace_back(field.key, *field.fixedValue);
    for (const AmpField& child : field.fields) collectFixed(child, fixed);
  }

  static void checkUnique(std::vector<std::string> keys, const Node& where, const char* box) {
    std::ranges::sort(keys);
    const auto twice = std::ranges::adjacent_find(keys);
    if (twice != keys.end()) where.fail(std::string("two keys of ") + box + " are named '" + *twice + "'");
  }

  std::map<std::string, std::shared_ptr<const AmpEnum>, std::less<>> enums_;
};

}  // namespace

std::shared_ptr<const AmpSchema> AmpSchemaLoader::load(std::string_view json) {
  QJsonParseError parseError;
  const QJsonDocument document =
      QJsonDocument::fromJson(QByteArray(json.data(), static_cast<qsizetype>(json.size())), &parseError);
  if (document.isNull() || !document.isObject()) {
    throw std::runtime_error("AMP schema: not a JSON object: " + str(parseError.errorString()));
  }
  Node root(document.object(), "");
  const std::string format = root.string("format");
  if (format != kFormat) {
    root.fail("\"format\" is '" + format + "', not '" + std::string(kFormat) + "': not a resolved AMP schema");
  }
  const std::int64_t version = root.integer("version", 0, INT32_MAX);
  if (version != kVersion) {
    root.fail("version " + std::to_string(version) + "; this server reads version " + std::to_string(kVersion) +
              " (rebuild it after `make gen`)");
  }
  (void)root.optionalString("generatedFrom");  // for readers of the file
  Loader loader;
  loader.readEnums(root);
  std::vector<AmpCommand> commands = loader.readCommands(root, "commands");
  std::vector<AmpCommand> callbacks = loader.readCommands(root, "callbacks");
  root.done();
  return std::make_shared<const AmpSchema>(std::move(commands), std::move(callbacks));
}

}  // namespace vitrine
