// The AMP bridge against the real resolved schema (the :/vitrine/amp/vitrine_amp.json resource, read by
// AmpSchemaLoader): the commands an AMP peer can call, request boxes -> Thrift calls (AmpCallWriter)
// checked by decoding them with the generated args classes, reply messages written by the generated
// result classes -> AMP answers and errors (AmpMessageReader), and callback calls written by the generated
// VitrineEvents client -> boxes. What the loader refuses is in amp_schema_loader_test.cpp; what the
// generator refuses in tests/python_package/test_amp_commands.py.
#include "amp/amp_schema.h"

#include <gtest/gtest.h>
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <QFile>
#include <algorithm>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "amp/amp_box.h"
#include "amp/amp_call_writer.h"
#include "amp/amp_message_reader.h"
#include "amp/amp_schema_loader.h"
#include "vitrine/api/DisplayManager.h"
#include "vitrine/api/Vitrine.h"
#include "vitrine/api/VitrineEvents.h"

namespace vitrine {

// Defined in amp_box_test.cpp: readable AmpBox failure messages.
void PrintTo(const AmpBox& box, std::ostream* os);

namespace {

using apache::thrift::TApplicationException;
using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TMemoryBuffer;

std::shared_ptr<const AmpSchema> realSchema() {
  static const std::shared_ptr<const AmpSchema> schema = [] {
    QFile file(QStringLiteral(":/vitrine/amp/vitrine_amp.json"));
    if (!file.open(QIODevice::ReadOnly)) throw std::runtime_error("the schema resource is missing");
    const QByteArray json = file.readAll();
    return AmpSchemaLoader::load(std::string_view(json.constData(), static_cast<std::size_t>(json.size())));
  }();
  return schema;
}

const AmpCommand& command(std::string_view name) {
  const AmpCommand* found = realSchema()->find(name);
  if (!found) throw std::runtime_error("no command " + std::string(name));
  return *found;
}

/// The call message for a request that must translate.
std::string call(std::string_view name, const AmpBox& request) {
  std::string error;
  const auto message = AmpCallWriter::callMessage(command(name), request, 42, &error);
  if (!message) throw std::runtime_error("callFromBox(" + std::string(name) + ") failed: " + error);
  return *message;
}

/// The error sentence for a request that must not translate.
std::string callError(std::string_view name, const AmpBox& request) {
  std::string error;
  const auto message = AmpCallWriter::callMessage(command(name), request, 42, &error);
  EXPECT_FALSE(message.has_value()) << "callFromBox(" << name << ") accepted the request";
  return error;
}

/// Decodes a call message with a generated args class, as the generated processor does.
template <typename Args>
Args readArgs(const std::string& message, const std::string& method) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  buffer->write(reinterpret_cast<const std::uint8_t*>(message.data()), static_cast<std::uint32_t>(message.size()));
  TBinaryProtocol protocol(buffer);
  std::string name;
  apache::thrift::protocol::TMessageType type{};
  std::int32_t seqid = 0;
  protocol.readMessageBegin(name, type, seqid);
  EXPECT_EQ(name, method);
  EXPECT_EQ(type, apache::thrift::protocol::T_CALL);
  EXPECT_EQ(seqid, 42);
  Args args;
  args.read(&protocol);
  protocol.readMessageEnd();
  EXPECT_EQ(buffer->available_read(), 0u) << "bytes left after the call message";
  return args;
}

/// A reply message as the generated processor writes it.
template <typename Result>
std::string replyMessage(const std::string& method, const Result& result) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  TBinaryProtocol protocol(buffer);
  protocol.writeMessageBegin(method, apache::thrift::protocol::T_REPLY, 1);
  result.write(&protocol);
  protocol.writeMessageEnd();
  return buffer->getBufferAsString();
}

std::string exceptionMessage(const std::string& method, const TApplicationException& exception) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  TBinaryProtocol protocol(buffer);
  protocol.writeMessageBegin(method, apache::thrift::protocol::T_EXCEPTION, 1);
  exception.write(&protocol);
  protocol.writeMessageEnd();
  return buffer->getBufferAsString();
}

std::string listOf(const std::vector<std::string>& elements) { return encodeListOf(elements).value(); }

std::string bytesOfLength(std::size_t size) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  return data;
}

// ---------------------------------------------------------------- the command table

TEST(AmpSchemaCommands, ServesThePyGraphicsCommandsAndTheIdlMethods) {
  const auto schema = realSchema();
  // The PyGraphics mediawindows commands, then the IDL methods under their own names.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"StartInspect", "showPicture"},
      {"UpdateInspect", "updatePicture"},
      {"StopInspect", "closeWindow"},
      {"PollInspect", "isClosed"},
      {"AskOpenFilename", "chooseFile"},
      {"AskSaveasFilename", "chooseFile"},
      {"AskDirectory", "chooseFile"},
      {"AskColor", "chooseColor"},
      {"Say", "sayAndWait"},
      {"say", "say"},
      {"fetchUrl", "fetchUrl"},
      {"postHtml", "postHtml"},
      {"whatsLoaded", "whatsLoaded"},
      {"currentUrl", "currentUrl"},
      {"authenticate", "authenticate"},
      {"ping", "ping"},
      {"serverInfo", "serverInfo"},
      {"screenshot", "screenshot"},
      {"ask", "ask"},
      {"chooseFile", "chooseFile"},
      {"listWindows", "listWindows"},
      {"waitEvents", "waitEvents"},
      {"subscribeEvents", "subscribeEvents"},
      {"unsubscribeEvents", "unsubscribeEvents"},
      {"resetLongestTurn", "resetLongestTurn"}};
  for (const auto& [name, method] : expected) {
    const AmpCommand* found = schema->find(name);
    ASSERT_NE(found, nullptr) << name;
    EXPECT_EQ(found->name, name);
    EXPECT_EQ(found->method, method) << name;
  }
  EXPECT_EQ(schema->commands().size(), expected.size()) << "a command nobody expected";
}

TEST(AmpSchemaCommands, RenamedMethodsAreOnlyServedUnderTheirAmpName) {
  const auto schema = realSchema();
  EXPECT_EQ(schema->find("showPicture"), nullptr);
  EXPECT_EQ(schema->find("sayAndWait"), nullptr);
  EXPECT_EQ(schema->find("startinspect"), nullptr) << "names are case-sensitive";
  EXPECT_NE(schema->find("say"), schema->find("Say"));
  EXPECT_EQ(schema->find(""), nullptr);
}

TEST(AmpSchemaCommands, EventIsACallbackAndNotServed) {
  const auto schema = realSchema();
  EXPECT_EQ(schema->find("Event"), nullptr);
  EXPECT_EQ(schema->find("event"), nullptr);
  const AmpCommand* event = schema->findCallback("event");
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->name, "Event");
  EXPECT_EQ(event->method, "event");
  EXPECT_EQ(schema->findCallback("Event"), nullptr) << "callbacks are found by method";
  EXPECT_EQ(schema->findCallback("ping"), nullptr);
}

TEST(AmpSchemaCommands, AliasesFollowTheirMethodAndFixTheirArguments) {
  const auto& commands = realSchema()->commands();
  const auto at = [&commands](std::string_view name) {
    return std::ranges::find(commands, name, &AmpCommand::name) - commands.begin();
  };
  EXPECT_EQ(at("AskDirectory"), at("chooseFile") + 1);
  EXPECT_EQ(at("AskOpenFilename"), at("chooseFile") + 2);
  EXPECT_EQ(at("AskSaveasFilename"), at("chooseFile") + 3);
  EXPECT_LT(at("fetchUrl"), at("ping")) << "the extended service's methods come first";
  using Fixed = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(command("AskDirectory").fixedArguments, (Fixed{{"mode", "DIRECTORY"}}));
  EXPECT_EQ(command("AskOpenFilename").fixedArguments, (Fixed{{"mode", "OPEN"}}));
  EXPECT_EQ(command("AskSaveasFilename").fixedArguments, (Fixed{{"mode", "SAVE"}}));
  EXPECT_TRUE(command("chooseFile").fixedArguments.empty());
}

// ---------------------------------------------------------------- requests -> calls

TEST(AmpSchemaRequest, StartInspectSendsAChunkedPictureAndItsOptions) {
  const std::string pixels = bytesOfLength(200 * 120 * 3);  // 72000 bytes: two chunks
  AmpBox request{{"_command", "StartInspect"}, {"_ask", "1"},       {"img.width", "200"},
                 {"img.height", "120"},        {"img.mode", "RGB"}, {"inspectable", "True"}};
  setBigString(request, "img.data", pixels);
  ASSERT_TRUE(request.contains("img.data.2"));

  const auto args = readArgs<api::Vitrine_showPicture_args>(call("StartInspect", request), "showPicture");
  EXPECT_EQ(args.picture.width, 200);
  EXPECT_EQ(args.picture.height, 120);
  EXPECT_EQ(args.picture.mode, api::PixelFormat::RGB);
  EXPECT_EQ(args.picture.data, pixels);
  EXPECT_TRUE(args.options.__isset.inspectable);
  EXPECT_TRUE(args.options.inspectable);
  EXPECT_FALSE(args.options.__isset.title);
  EXPECT_FALSE(args.options.__isset.name);
}

TEST(AmpSchemaRequest, UnknownAndUnderscoreKeysAreIgnored) {
  const AmpBox request{{"_command", "StopInspect"}, {"_ask", "a"}, {"inspector_id", "3"}, {"colour", "red"}};
  const auto args = readArgs<api::Vitrine_closeWindow_args>(call("StopInspect", request), "closeWindow");
  EXPECT_EQ(args.windowId, 3);
}

TEST(AmpSchemaRequest, AliasFixesTheModeAndOverridesThePeer) {
  const auto open = readArgs<api::Vitrine_chooseFile_args>(
      call("AskOpenFilename", {{"initialdir", "/tmp"}, {"mode", "SAVE"}}), "chooseFile");
  EXPECT_EQ(open.chooser.mode, api::FileChooserMode::OPEN);
  EXPECT_TRUE(open.chooser.__isset.directory);
  EXPECT_EQ(open.chooser.directory, "/tmp");

  const auto directory = readArgs<api::Vitrine_chooseFile_args>(call("AskDirectory", {}), "chooseFile");
  EXPECT_EQ(directory.chooser.mode, api::FileChooserMode::DIRECTORY);
  EXPECT_FALSE(directory.chooser.__isset.directory);

  const auto save = readArgs<api::Vitrine_chooseFile_args>(
      call("AskSaveasFilename", {{"initialdir", "/home"}, {"defaultName", "out.png"}}), "chooseFile");
  EXPECT_EQ(save.chooser.mode, api::FileChooserMode::SAVE);
  EXPECT_EQ(save.chooser.defaultName, "out.png");
}

TEST(AmpSchemaRequest, ChooseFileWithoutAModeTakesTheIdlDefault) {
  // FileChooser.mode = FileChooserMode.OPEN in the IDL: the key may be left out, and the call then carries
  // OPEN (written, not merely left to the generated reader's default).
  const auto open = readArgs<api::Vitrine_chooseFile_args>(call("chooseFile", {{"initialdir", "/tmp"}}), "chooseFile");
  EXPECT_TRUE(open.chooser.__isset.mode);
  EXPECT_EQ(open.chooser.mode, api::FileChooserMode::OPEN);
  EXPECT_EQ(open.chooser.directory, "/tmp");
  const auto bare = readArgs<api::Vitrine_chooseFile_args>(call("chooseFile", {}), "chooseFile");
  EXPECT_TRUE(bare.chooser.__isset.mode);
  EXPECT_EQ(bare.chooser.mode, api::FileChooserMode::OPEN);
  const auto args = readArgs<api::Vitrine_chooseFile_args>(call("chooseFile", {{"mode", "DIRECTORY"}}), "chooseFile");
  EXPECT_EQ(args.chooser.mode, api::FileChooserMode::DIRECTORY);
  EXPECT_EQ(callError("chooseFile", {{"mode", "OPENED"}}),
            "argument 'mode': 'OPENED' is not a FileChooserMode (one of OPEN, SAVE, DIRECTORY)");
}

TEST(AmpSchemaRequest, AskColorTakesFlattenedChannels) {
  const auto args = readArgs<api::Vitrine_chooseColor_args>(
      call("AskColor", {{"r", "10"}, {"g", "20"}, {"b", "255"}, {"withAlpha", "False"}}), "chooseColor");
  EXPECT_EQ(args.initial.r, 10);
  EXPECT_EQ(args.initial.g, 20);
  EXPECT_EQ(args.initial.b, 255);
  EXPECT_FALSE(args.initial.__isset.a);
  EXPECT_TRUE(args.options.__isset.withAlpha);
  EXPECT_FALSE(args.options.withAlpha);
  EXPECT_FALSE(args.options.__isset.title);
  EXPECT_EQ(callError("AskColor", {{"r", "10"}, {"b", "3"}}), "missing argument 'g'");
}

TEST(AmpSchemaRequest, AskSendsTheQuestionWithListsAndNumbers) {
  const AmpBox request{{"question.prompt", "Pick"},
                       {"question.kind", "MULTI_CHOICE"},
                       {"question.choices", listOf({"red", "gr\xc3\xbcn", ""})},
                       {"question.defaultChoices", listOf({"0", "-2"})},
                       {"question.minimum", "0.5"},
                       {"question.defaultYes", "True"},
                       {"question.title", "T"}};
  const auto args = readArgs<api::Vitrine_ask_args>(call("ask", request), "ask");
  EXPECT_EQ(args.question.prompt, "Pick");
  EXPECT_EQ(args.question.kind, api::QuestionKind::MULTI_CHOICE);
  EXPECT_EQ(args.question.choices, (std::vector<std::string>{"red", "gr\xc3\xbcn", ""}));
  EXPECT_EQ(args.question.defaultChoices, (std::vector<std::int32_t>{0, -2}));
  EXPECT_TRUE(args.question.__isset.minimum);
  EXPECT_EQ(args.question.minimum, 0.5);
  EXPECT_FALSE(args.question.__isset.maximum);
  EXPECT_TRUE(args.question.defaultYes);
  EXPECT_EQ(args.question.title, "T");
}

TEST(AmpSchemaRequest, QuestionKindTakesItsIdlDefault) {
  // Question.kind = QuestionKind.TEXT in the IDL: a question with only a prompt is a TEXT question.
  const auto args = readArgs<api::Vitrine_ask_args>(call("ask", {{"question.prompt", "Name?"}}), "ask");
  EXPECT_EQ(args.question.prompt, "Name?");
  EXPECT_TRUE(args.question.__isset.kind);
  EXPECT_EQ(args.question.kind, api::QuestionKind::TEXT);
  EXPECT_FALSE(args.question.__isset.title);
  // A field without a default is still required.
  EXPECT_EQ(callError("ask", {}), "missing argument 'question.prompt'");
  EXPECT_EQ(callError("ask", {{"question.kind", "YES_NO"}}), "missing argument 'question.prompt'");
}

TEST(AmpSchemaRequest, FetchUrlOptionalTimeout) {
  const auto without = readArgs<api::DisplayManager_fetchUrl_args>(
      call("fetchUrl", {{"url.name", "home"}, {"url.url", "https://example.org/"}}), "fetchUrl");
  EXPECT_EQ(without.url.name, "home");
  EXPECT_EQ(without.url.url, "https://example.org/");
  EXPECT_FALSE(without.url.__isset.timeoutMs);

  const auto with = readArgs<api::DisplayManager_fetchUrl_args>(
      call("fetchUrl", {{"url.name", "home"}, {"url.url", "data:,x"}, {"url.timeoutMs", "5000"}}), "fetchUrl");
  EXPECT_TRUE(with.url.__isset.timeoutMs);
  EXPECT_EQ(with.url.timeoutMs, 5000);
}

TEST(AmpSchemaRequest, OptionalStructArgumentMayBeLeftOut) {
  const auto bare = readArgs<api::Vitrine_sayAndWait_args>(call("Say", {{"text", "hello"}}), "sayAndWait");
  EXPECT_EQ(bare.text, "hello");
  EXPECT_FALSE(bare.__isset.options) << "an absent all-optional struct is not sent";

  AmpBox first{{"key", "ok"}};
  setBigString(first, "label", "OK");
  const AmpBox request{{"text", "save?"},
                       {"options.title", "Question"},
                       {"options.actions", encodeAmpList({first, AmpBox{{"key", "no"}, {"label", "No"}}}).value()}};
  const auto args = readArgs<api::Vitrine_say_args>(call("say", request), "say");
  EXPECT_TRUE(args.__isset.options);
  EXPECT_EQ(args.options.title, "Question");
  ASSERT_EQ(args.options.actions.size(), 2u);
  EXPECT_EQ(args.options.actions[0].key, "ok");
  EXPECT_EQ(args.options.actions[0].label, "OK");
  EXPECT_EQ(args.options.actions[1].label, "No");
}

TEST(AmpSchemaRequest, ErrorsNameTheKey) {
  const AmpBox picture{{"img.width", "1"}, {"img.height", "1"}, {"img.mode", "L"}, {"img.data", "x"}};
  const auto with = [&picture](std::string key, std::string value) {
    AmpBox box = picture;
    box.set(std::move(key), std::move(value));
    return box;
  };
  EXPECT_EQ(callError("StopInspect", {{"inspector", "1"}}), "missing argument 'inspector_id'");
  EXPECT_EQ(callError("StartInspect", {{"img.width", "1"}, {"img.height", "1"}, {"img.data", "x"}}),
            "missing argument 'img.mode'");
  EXPECT_EQ(callError("StopInspect", {{"inspector_id", "one"}}).rfind("argument 'inspector_id': ", 0), 0u);
  EXPECT_EQ(callError("StartInspect", with("img.width", "3000000000")),
            "argument 'img.width': 3000000000 is outside the i32 range -2147483648..2147483647");
  EXPECT_EQ(callError("StartInspect", with("inspectable", "true")).rfind("argument 'inspectable': ", 0), 0u);
  EXPECT_EQ(callError("StartInspect", with("img.mode", "CMYK")),
            "argument 'img.mode': 'CMYK' is not a PixelFormat (one of RGB, RGBA, L, PNG, JPEG)");
  EXPECT_EQ(callError("Say", {{"text", "caf\xe9"}}), "argument 'text': not valid UTF-8");
  EXPECT_EQ(
      callError("ask",
                {{"question.prompt", "?"}, {"question.kind", "CHOICE"}, {"question.choices", listOf({"ok", "\xff"})}}),
      "argument 'question.choices': element 2: not valid UTF-8");
  EXPECT_EQ(callError("ask", {{"question.prompt", "?"}, {"question.kind", "TEXT"}, {"question.minimum", "big"}})
                .rfind("argument 'question.minimum': ", 0),
            0u);
  const std::string actions = encodeAmpList({AmpBox{{"key", "k"}}}).value();
  EXPECT_EQ(callError("say", {{"text", "t"}, {"options.actions", actions}}),
            "argument 'options.actions': row 1: missing key 'label'");
  EXPECT_EQ(callError("say", {{"text", "t"}, {"options.actions", std::string("\x00\x03", 2)}})
                .rfind("argument 'options.actions': ", 0),
            0u);
}

TEST(AmpSchemaRequest, BinaryIsRawBytes) {
  const std::string bytes("\xff\x00\xfe", 3);
  const auto args = readArgs<api::Vitrine_showPicture_args>(
      call("StartInspect", {{"img.width", "1"}, {"img.height", "1"}, {"img.mode", "L"}, {"img.data", bytes}}),
      "showPicture");
  EXPECT_EQ(args.picture.data, bytes);
  EXPECT_EQ(args.picture.mode, api::PixelFormat::L);
  EXPECT_FALSE(args.options.__isset.inspectable);
}

// ---------------------------------------------------------------- replies -> answers

TEST(AmpSchemaReply, ScalarResultsUseTheirResponseKey) {
  api::Vitrine_showPicture_result started;
  started.success = 7;
  started.__isset.success = true;
  const AmpReply id = AmpMessageReader::replyToBox(command("StartInspect"), replyMessage("showPicture", started));
  EXPECT_TRUE(id.ok);
  EXPECT_EQ(id.answer, (AmpBox{{"inspector_id", "7"}}));

  api::Vitrine_isClosed_result closed;
  closed.success = true;
  closed.__isset.success = true;
  const AmpReply poll = AmpMessageReader::replyToBox(command("PollInspect"), replyMessage("isClosed", closed));
  EXPECT_TRUE(poll.ok);
  EXPECT_EQ(poll.answer, (AmpBox{{"is_closed", "True"}}));

  api::DisplayManager_fetchUrl_result fetched;
  fetched.success = api::PushResult::TIMED_OUT;
  fetched.__isset.success = true;
  const AmpReply push = AmpMessageReader::replyToBox(command("fetchUrl"), replyMessage("fetchUrl", fetched));
  EXPECT_EQ(push.answer, (AmpBox{{"result", "TIMED_OUT"}}));

  fetched.success = static_cast<api::PushResult::type>(42);
  fetched.__isset.success = true;
  EXPECT_EQ(AmpMessageReader::replyToBox(command("fetchUrl"), replyMessage("fetchUrl", fetched)).answer,
            (AmpBox{{"result", "42"}}))
      << "a number the enum does not name travels as its decimal";

  api::Vitrine_chooseFile_result chosen;
  chosen.success = "/tmp/a.png";
  chosen.__isset.success = true;
  EXPECT_EQ(AmpMessageReader::replyToBox(command("AskOpenFilename"), replyMessage("chooseFile", chosen)).answer,
            (AmpBox{{"path", "/tmp/a.png"}}));
}

TEST(AmpSchemaReply, VoidMethodsAnswerNoKeys) {
  const api::Vitrine_updatePicture_result updated;
  const AmpReply reply = AmpMessageReader::replyToBox(command("UpdateInspect"), replyMessage("updatePicture", updated));
  EXPECT_TRUE(reply.ok);
  EXPECT_TRUE(reply.answer.empty());
}

TEST(AmpSchemaReply, StructResultsSpreadTheirFields) {
  api::Vitrine_chooseColor_result color;
  color.success.r = 1;
  color.success.g = 2;
  color.success.b = 3;
  color.__isset.success = true;
  const AmpReply rgb = AmpMessageReader::replyToBox(command("AskColor"), replyMessage("chooseColor", color));
  EXPECT_TRUE(rgb.ok);
  EXPECT_EQ(rgb.answer, (AmpBox{{"r", "1"}, {"g", "2"}, {"b", "3"}})) << "unset optional `a` is left out";

  api::Vitrine_ask_result asked;
  asked.success.kind = api::QuestionKind::TEXT;
  asked.success.__set_text("hi");
  asked.__isset.success = true;
  const AmpReply answer = AmpMessageReader::replyToBox(command("ask"), replyMessage("ask", asked));
  EXPECT_TRUE(answer.ok);
  EXPECT_EQ(answer.answer, (AmpBox{{"kind", "TEXT"}, {"text", "hi"}}));

  asked.success = {};
  asked.success.kind = api::QuestionKind::MULTI_CHOICE;
  asked.success.__set_choices({"a", "b"});
  asked.success.__set_choiceIndices({0, 2});
  asked.success.__set_number(0.1);
  EXPECT_EQ(AmpMessageReader::replyToBox(command("ask"), replyMessage("ask", asked)).answer,
            (AmpBox{{"kind", "MULTI_CHOICE"},
                    {"choices", listOf({"a", "b"})},
                    {"choiceIndices", listOf({"0", "2"})},
                    {"number", "0.1"}}));
}

TEST(AmpSchemaReply, ListOfStructsIsAnAmpList) {
  api::Vitrine_listWindows_result windows;
  api::WindowInfo stage;
  stage.id = 0;
  stage.kind = api::WindowKind::STAGE;
  stage.title = "vitrine";
  stage.name = "home";
  stage.geometry.width = 800;
  stage.geometry.height = 600;
  stage.visible = true;
  api::WindowInfo picture = stage;
  picture.id = 3;
  picture.kind = api::WindowKind::PICTURE;
  picture.geometry.x = -5;
  picture.visible = false;
  windows.success = {stage, picture};
  windows.__isset.success = true;
  const AmpReply reply = AmpMessageReader::replyToBox(command("listWindows"), replyMessage("listWindows", windows));
  ASSERT_TRUE(reply.ok) << reply.errorDescription;
  ASSERT_TRUE(reply.answer.contains("result"));
  const auto rows = decodeAmpList(*reply.answer.find("result"));
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0], (AmpBox{{"id", "0"},
                                {"kind", "STAGE"},
                                {"title", "vitrine"},
                                {"name", "home"},
                                {"geometry.x", "0"},
                                {"geometry.y", "0"},
                                {"geometry.width", "800"},
                                {"geometry.height", "600"},
                                {"visible", "True"}}));
  EXPECT_EQ(*(*rows)[1].find("kind"), "PICTURE");
  EXPECT_EQ(*(*rows)[1].find("geometry.x"), "-5");
  EXPECT_EQ(*(*rows)[1].find("visible"), "False");
}

TEST(AmpSchemaReply, LargeBinaryIsChunked) {
  const std::string png = bytesOfLength(150000);
  api::Vitrine_screenshot_result shot;
  shot.success = png;
  shot.__isset.success = true;
  const AmpReply reply = AmpMessageReader::replyToBox(command("screenshot"), replyMessage("screenshot", shot));
  ASSERT_TRUE(reply.ok);
  EXPECT_EQ(reply.answer.size(), 3u);
  EXPECT_EQ(reply.answer.find("result")->size(), 65535u);
  EXPECT_EQ(readBigString(reply.answer, "result"), png);
  EXPECT_NO_THROW(encodeBox(reply.answer)) << "every value fits the wire";
}

TEST(AmpSchemaReply, ListTooLargeForOneValueIsLimitExceeded) {
  api::Vitrine_serverInfo_result info;
  info.success.listeners.assign(70, std::string(1000, 'u'));
  info.__isset.success = true;
  const AmpReply reply = AmpMessageReader::replyToBox(command("serverInfo"), replyMessage("serverInfo", info));
  EXPECT_FALSE(reply.ok);
  EXPECT_EQ(reply.errorCode, "LIMIT_EXCEEDED");
  EXPECT_NE(reply.errorDescription.find("'listeners'"), std::string::npos) << reply.errorDescription;
  EXPECT_NE(reply.errorDescription.find("70140"), std::string::npos) << reply.errorDescription;
}

TEST(AmpSchemaReply, DeclaredExceptionsCarryTheirCodeAndMessage) {
  api::Vitrine_closeWindow_result closed;
  closed.notFound.windowId = 9;
  closed.notFound.message = "no window 9";
  closed.__isset.notFound = true;
  const AmpReply notFound = AmpMessageReader::replyToBox(command("StopInspect"), replyMessage("closeWindow", closed));
  EXPECT_FALSE(notFound.ok);
  EXPECT_EQ(notFound.errorCode, "WINDOW_DOES_NOT_EXIST");
  EXPECT_EQ(notFound.errorDescription, "no window 9");
  EXPECT_TRUE(notFound.answer.empty());

  api::Vitrine_chooseFile_result canceled;
  canceled.canceled.reason = api::CloseReason::CANCELED;
  canceled.canceled.message = "the dialog was canceled";
  canceled.__isset.canceled = true;
  const AmpReply dialog = AmpMessageReader::replyToBox(command("AskDirectory"), replyMessage("chooseFile", canceled));
  EXPECT_FALSE(dialog.ok);
  EXPECT_EQ(dialog.errorCode, "DIALOG_CANCELED");
  EXPECT_EQ(dialog.errorDescription, "the dialog was canceled");
}

TEST(AmpSchemaReply, ApplicationExceptionIsUnknown) {
  const AmpReply failed = AmpMessageReader::replyToBox(
      command("ping"), exceptionMessage("ping", TApplicationException(TApplicationException::INTERNAL_ERROR, "boom")));
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.errorCode, "UNKNOWN");
  EXPECT_EQ(failed.errorDescription, "boom");

  const AmpReply silent =
      AmpMessageReader::replyToBox(command("ping"), exceptionMessage("ping", TApplicationException()));
  EXPECT_EQ(silent.errorCode, "UNKNOWN");
  EXPECT_EQ(silent.errorDescription, "Unknown Error");
}

TEST(AmpSchemaReply, UnreadableRepliesAreUnknownErrors) {
  const auto& ping = command("ping");
  for (const std::string& garbage : {std::string(), std::string("\x80\x01\x00\x02", 4), std::string(64, '\xff'),
                                     std::string("\x00\x00\x00\x04ping\x02\x00\x00\x00\x01\x0c\x00\x00", 16)}) {
    AmpReply reply;
    EXPECT_NO_THROW(reply = AmpMessageReader::replyToBox(ping, garbage));
    EXPECT_FALSE(reply.ok);
    EXPECT_EQ(reply.errorCode, "UNKNOWN");
    EXPECT_FALSE(reply.errorDescription.empty());
  }
  // A length prefix claiming 2 GB must fail without allocating it.
  api::Vitrine_screenshot_result shot;
  shot.success = "png";
  shot.__isset.success = true;
  std::string message = replyMessage("screenshot", shot);
  const std::size_t length = message.find("png") - 4;
  message.replace(length, 4, std::string("\x7f\xff\xff\xff", 4));
  EXPECT_EQ(AmpMessageReader::replyToBox(command("screenshot"), message).errorCode, "UNKNOWN");
  // A reply with no result for a method that has one.
  const api::Vitrine_isClosed_result empty;
  const AmpReply missing = AmpMessageReader::replyToBox(command("PollInspect"), replyMessage("isClosed", empty));
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.errorCode, "UNKNOWN");
}

// ---------------------------------------------------------------- callbacks -> boxes

std::string eventCall(const api::Event& event) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  api::VitrineEventsClient client(std::make_shared<TBinaryProtocol>(buffer));
  client.send_event(event);
  return buffer->getBufferAsString();
}

TEST(AmpSchemaCallback, EventTravelsAsFlattenedKeys) {
  api::Event event;
  event.sequence = 12;
  event.kind = api::EventKind::PIXEL_CLICKED;
  event.windowId = 3;
  event.timeMs = 1700000000000;
  event.__set_x(4);
  event.__set_y(5);
  api::Color color;
  color.r = 255;
  color.g = 128;
  color.b = 0;
  event.__set_color(color);
  api::Answer answer;
  answer.kind = api::QuestionKind::TEXT;
  answer.__set_text("yes");
  event.__set_answer(answer);

  const AmpCommand& callback = *realSchema()->findCallback("event");
  const AmpBox box = AmpMessageReader::boxFromCall(callback, eventCall(event));
  EXPECT_EQ(box, (AmpBox{{"_command", "Event"},
                         {"sequence", "12"},
                         {"kind", "PIXEL_CLICKED"},
                         {"windowId", "3"},
                         {"timeMs", "1700000000000"},
                         {"x", "4"},
                         {"y", "5"},
                         {"color.r", "255"},
                         {"color.g", "128"},
                         {"color.b", "0"},
                         {"answer.kind", "TEXT"},
                         {"answer.text", "yes"}}));
  EXPECT_FALSE(box.contains("_ask"));
  EXPECT_FALSE(box.contains("color.a"));
  EXPECT_FALSE(box.contains("closeReason"));
}

TEST(AmpSchemaCallback, WrongMessagesThrow) {
  const AmpCommand& callback = *realSchema()->findCallback("event");
  EXPECT_THROW(AmpMessageReader::boxFromCall(callback, "garbage"), std::runtime_error);
  // A call of another method.
  EXPECT_THROW(AmpMessageReader::boxFromCall(callback, call("ping", {})), std::runtime_error);
  // A reply is no call.
  const api::Vitrine_ping_result pong;
  EXPECT_THROW(AmpMessageReader::boxFromCall(command("ping"), replyMessage("ping", pong)), std::runtime_error);
}

// ---------------------------------------------------------------- round trips

TEST(AmpSchemaRoundTrip, CallFromBoxAndBoxFromCallAreInverse) {
  AmpBox picture{{"_command", "StartInspect"}, {"img.width", "300"},   {"img.height", "100"},
                 {"img.mode", "RGBA"},         {"title", "t\xc3\xa9"}, {"inspectable", "False"}};
  setBigString(picture, "img.data", bytesOfLength(300 * 100 * 4));
  AmpBox first{{"key", "a"}, {"label", "A"}};
  const std::vector<AmpBox> boxes = {
      picture,
      {{"_command", "AskColor"}, {"r", "0"}, {"g", "-1"}, {"b", "256"}, {"a", "7"}, {"timeoutMs", "10"}},
      {{"_command", "ask"},
       {"question.prompt", "How many?"},
       {"question.kind", "INTEGER"},
       {"question.defaultInteger", "-9223372036854775808"},
       {"question.minimum", "-1e+20"},
       {"question.maximum", "inf"},
       {"question.choices", listOf({"x", ""})}},
      {{"_command", "fetchUrl"}, {"url.name", ""}, {"url.url", "http://a/"}, {"url.timeoutMs", "0"}},
      {{"_command", "say"},
       {"text", std::string(100000, 'z')},
       {"options.actions", encodeAmpList({first, AmpBox{{"key", "b"}, {"label", ""}}}).value()}},
      {{"_command", "waitEvents"}, {"afterSequence", "-1"}, {"timeoutMs", "60000"}},
      {{"_command", "ping"}},
  };
  for (AmpBox box : boxes) {
    if (box.contains("text")) {  // chunk the long text as a peer would
      const std::string text = *box.find("text");
      setBigString(box, "text", text);
    }
    const std::string name = *box.find("_command");
    const AmpBox back = AmpMessageReader::boxFromCall(command(name), call(name, box));
    EXPECT_EQ(back, box) << name;
  }
  // An alias's call carries the fixed value.
  const AmpBox open = AmpMessageReader::boxFromCall(command("AskOpenFilename"),
                                                    call("AskOpenFilename", {{"_command", "AskOpenFilename"}}));
  EXPECT_EQ(open, (AmpBox{{"_command", "AskOpenFilename"}, {"mode", "OPEN"}}));
}

}  // namespace
}  // namespace vitrine
