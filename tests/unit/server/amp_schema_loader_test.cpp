// AmpSchemaLoader: a small resolved schema (the form scripts/gen_amp_commands.py writes into
// gen/amp/vitrine_amp.json) loads and translates as it says, and a schema the server cannot read is
// refused with a message that names the place. The real schema is exercised by amp_schema_test.cpp.
#include "amp/amp_schema_loader.h"

#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <functional>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "amp/amp_box.h"
#include "amp/amp_call_writer.h"
#include "amp/amp_message_reader.h"

namespace vitrine {

// Defined in amp_box_test.cpp: readable AmpBox failure messages.
void PrintTo(const AmpBox& box, std::ostream* os);

namespace {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TMemoryBuffer;

/// Command F calls S.f(1: P p, 2: list<string> tags) -> i64 (answer key n) throws (1: Oops). P is
/// {1: i32 x, 2: Mode mode = Mode.B} under keys p.x and p.mode; Mode is {A = 0, B = 1}.
const std::string kCommand = R"({"name": "F", "service": "S", "method": "f",
  "arguments": [
   {"id": 1, "name": "p", "thrift": "struct", "amp": "Struct", "struct": "P", "keyPrefix": "p.", "optional": false,
    "fields": [
     {"id": 1, "name": "x", "thrift": "i32", "amp": "Integer", "key": "p.x", "optional": false},
     {"id": 2, "name": "mode", "thrift": "enum", "amp": "Enum", "enum": "Mode", "key": "p.mode", "optional": true,
      "default": "B"}]},
   {"id": 2, "name": "tags", "thrift": "list", "amp": "ListOf", "key": "tags", "optional": true,
    "element": {"thrift": "string", "amp": "Unicode"}}],
  "result": {"id": 0, "name": "success", "thrift": "i64", "amp": "Integer", "key": "n", "optional": false},
  "errors": [{"id": 1, "exception": "Oops", "code": "OOPS", "messageFieldId": 1}]})";

const std::string kSchema = R"({"format": "vitrine-amp-schema", "version": 1, "generatedFrom": "a test",
 "enums": [{"name": "Mode", "members": [{"name": "A", "value": 0}, {"name": "B", "value": 1}]}],
 "commands": [)" + kCommand +
                            R"(],
 "callbacks": []})";

/// kSchema with the first `from` replaced by `to` (which must be there: the test would prove nothing).
std::string with(const std::string& from, const std::string& to, const std::string& schema = kSchema) {
  const std::size_t at = schema.find(from);
  if (at == std::string::npos) throw std::logic_error("the test schema has no " + from);
  std::string changed = schema;
  changed.replace(at, from.size(), to);
  return changed;
}

void expectRefused(const std::string& json, const std::string& expected) {
  try {
    AmpSchemaLoader::load(json);
    ADD_FAILURE() << "loaded; expected an error with: " << expected;
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("AMP schema: ", 0), 0u) << message;
    EXPECT_NE(message.find(expected), std::string::npos) << message;
  }
}

std::string reply(const std::function<void(TBinaryProtocol&)>& writeFields) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  TBinaryProtocol protocol(buffer);
  protocol.writeMessageBegin("f", apache::thrift::protocol::T_REPLY, 1);
  protocol.writeStructBegin("f_result");
  writeFields(protocol);
  protocol.writeFieldStop();
  protocol.writeStructEnd();
  protocol.writeMessageEnd();
  return buffer->getBufferAsString();
}

TEST(AmpSchemaLoader, ReadsWhatTheResolvedSchemaSays) {
  const auto schema = AmpSchemaLoader::load(kSchema);
  ASSERT_EQ(schema->commands().size(), 1u);
  EXPECT_TRUE(schema->callbacks().empty());
  const AmpCommand* command = schema->find("F");
  ASSERT_NE(command, nullptr);
  EXPECT_EQ(schema->find("f"), nullptr) << "found by its AMP name only";
  EXPECT_EQ(command->method, "f");
  EXPECT_EQ(command->service, "S");
  ASSERT_EQ(command->arguments.size(), 2u);
  const AmpField& p = command->arguments[0];
  EXPECT_EQ(p.thrift, ThriftType::Struct);
  EXPECT_EQ(p.keyPrefix, "p.");
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.fields[1].key, "p.mode");
  EXPECT_EQ(p.fields[1].defaultValue, "B");
  ASSERT_NE(p.fields[1].enumType, nullptr);
  EXPECT_EQ(p.fields[1].enumType->name, "Mode");
  EXPECT_EQ(command->arguments[1].element->amp, AmpType::Unicode);
  ASSERT_TRUE(command->result.has_value());
  EXPECT_EQ(command->result->key, "n");
  ASSERT_EQ(command->errors.size(), 1u);
  EXPECT_EQ(command->errors[0].code, "OOPS");
  EXPECT_TRUE(command->fixedArguments.empty());
}

TEST(AmpSchemaLoader, TheTranslationsFollowTheSchema) {
  const auto schema = AmpSchemaLoader::load(kSchema);
  const AmpCommand& command = *schema->find("F");
  std::string error;
  // p.mode left out: its default B is sent; tags (optional, no default) is not.
  const auto call = AmpCallWriter::callMessage(command, {{"_command", "F"}, {"p.x", "5"}}, 1, &error);
  ASSERT_TRUE(call.has_value()) << error;
  EXPECT_EQ(AmpMessageReader::boxFromCall(command, *call), (AmpBox{{"_command", "F"}, {"p.x", "5"}, {"p.mode", "B"}}));
  EXPECT_FALSE(AmpCallWriter::callMessage(command, {{"p.mode", "A"}}, 1, &error).has_value());
  EXPECT_EQ(error, "missing argument 'p.x'");

  const AmpReply answer =
      AmpMessageReader::replyToBox(command, reply([](TBinaryProtocol& protocol) {
                                     protocol.writeFieldBegin("success", apache::thrift::protocol::T_I64, 0);
                                     protocol.writeI64(-7);
                                     protocol.writeFieldEnd();
                                   }));
  EXPECT_TRUE(answer.ok);
  EXPECT_EQ(answer.answer, (AmpBox{{"n", "-7"}}));
  const AmpReply oops =
      AmpMessageReader::replyToBox(command, reply([](TBinaryProtocol& protocol) {
                                     protocol.writeFieldBegin("oops", apache::thrift::protocol::T_STRUCT, 1);
                                     protocol.writeStructBegin("Oops");
                                     protocol.writeFieldBegin("message", apache::thrift::protocol::T_STRING, 1);
                                     protocol.writeString(std::string("it broke"));
                                     protocol.writeFieldEnd();
                                     protocol.writeFieldStop();
                                     protocol.writeStructEnd();
                                     protocol.writeFieldEnd();
                                   }));
  EXPECT_FALSE(oops.ok);
  EXPECT_EQ(oops.errorCode, "OOPS");
  EXPECT_EQ(oops.errorDescription, "it broke");
}

TEST(AmpSchemaLoader, AFixedValueIsSentWhateverThePeerSays) {
  const auto schema = AmpSchemaLoader::load(
      with(R"("key": "p.mode", "optional": true,)", R"("key": "p.mode", "optional": true, "fixed": "A",)"));
  const AmpCommand& command = *schema->find("F");
  using Fixed = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(command.fixedArguments, (Fixed{{"p.mode", "A"}}));
  std::string error;
  const auto call = AmpCallWriter::callMessage(command, {{"p.x", "1"}, {"p.mode", "B"}}, 1, &error);
  ASSERT_TRUE(call.has_value()) << error;
  EXPECT_EQ(*AmpMessageReader::boxFromCall(command, *call).find("p.mode"), "A");
}

TEST(AmpSchemaLoader, RefusesWhatIsNoResolvedSchema) {
  expectRefused("[1, 2]", "not a JSON object");
  expectRefused("{\"format\": ", "not a JSON object");
  expectRefused(with(R"("format": "vitrine-amp-schema")", R"("format": "thrift-json")"),
                "\"format\" is 'thrift-json', not 'vitrine-amp-schema': not a resolved AMP schema");
  expectRefused(with(R"("version": 1)", R"("version": 2)"), "version 2; this server reads version 1");
  expectRefused(with(R"(,
 "callbacks": [])",
                     ""),
                "no \"callbacks\"");
  expectRefused(with(R"("enums": [)", R"("structs": [], "enums": [)"), "unknown member \"structs\"");
}

TEST(AmpSchemaLoader, RefusesMembersOfTheWrongTypeOrUnknownNamingThePlace) {
  expectRefused(with(R"("optional": false,
    "fields")",
                     R"("optional": "no",
    "fields")"),
                "AMP schema: command F, arguments[0]: \"optional\" is not true or false");
  expectRefused(with(R"("keyPrefix": "p.",)", R"("keyPrefix": "p.", "flatten": true,)"),
                "command F, arguments[0]: unknown member \"flatten\"");
  expectRefused(with(R"("id": 2, "name": "tags")", R"("id": 70000, "name": "tags")"),
                "command F, arguments[1]: \"id\" is not a whole number in -32768..32767");
  expectRefused(with(R"("name": "F")", R"("name": "")"), "commands[0]: \"name\" is empty");
  expectRefused(with(R"("keyPrefix": "p.")", R"("keyPrefix": "p")"), "\"keyPrefix\" does not end with '.'");
  expectRefused(with(R"("messageFieldId": 1)", R"("messageFieldId": "message")"), "\"messageFieldId\" is not a number");
}

TEST(AmpSchemaLoader, RefusesTypesItCannotTranslate) {
  expectRefused(with(R"("thrift": "i32")", R"("thrift": "map")"),
                "command F, arguments[0], fields[0]: \"thrift\" is 'map', a type this server has no translation for");
  expectRefused(with(R"("amp": "Integer", "key": "p.x")", R"("amp": "Float", "key": "p.x")"),
                "command F, arguments[0], fields[0]: a i32 as an AMP Float has no translation here");
  expectRefused(with(R"("element": {"thrift": "string", "amp": "Unicode"})",
                     R"("element": {"thrift": "string", "amp": "BigUnicode"})"),
                "a string as an AMP BigUnicode list element has no translation here");
  expectRefused(
      with(R"("element": {"thrift": "string", "amp": "Unicode"})",
           R"("element": {"thrift": "list", "amp": "ListOf", "element": {"thrift": "i32", "amp": "Integer"}})"),
      "a list as an AMP ListOf list element has no translation here");
  expectRefused(with(R"("enum": "Mode")", R"("enum": "Colour")"), "unknown enum 'Colour'");
}

TEST(AmpSchemaLoader, RefusesValuesTheirTypeDoesNotAccept) {
  expectRefused(with(R"("default": "B")", R"("default": "C")"), "default value 'C': not a name of Mode");
  expectRefused(
      with(R"("key": "p.x", "optional": false)", R"("key": "p.x", "optional": false, "fixed": "99999999999")"),
      "fixed value '99999999999': outside the i32 range -2147483648..2147483647");
  expectRefused(with(R"("key": "p.x", "optional": false)", R"("key": "p.x", "optional": false, "default": "five")"),
                "default value 'five': ");
  expectRefused(with(R"("key": "tags", "optional": true,)", R"("key": "tags", "optional": true, "default": "x",)"),
                "a list cannot have a default value");
}

TEST(AmpSchemaLoader, RefusesKeysAndNamesThatCollide) {
  expectRefused(with(R"("key": "p.x")", R"("key": "p.mode")"), "command F: two keys of the request are named 'p.mode'");
  expectRefused(with(R"("key": "p.x")", R"("key": "_x")"), "'_x' is not a usable AMP key");
  expectRefused(with(R"("callbacks": [])", "\"callbacks\": [" + kCommand + "]"), "two commands are named 'F'");
  expectRefused(with(R"({"name": "B", "value": 1})", R"({"name": "A", "value": 1})"),
                "enum Mode: two members are named 'A'");
}

}  // namespace
}  // namespace vitrine
