// `vitrine say`, `ask`, `choose-file` and `choose-color`: windows that show
// something to the person at the screen, or wait for their answer (see
// subcommands.h and docs/cli.md).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "command_line.h"
#include "output_format.h"
#include "subcommands.h"

namespace vitrine::cli {

namespace po = boost::program_options;

namespace {

std::vector<std::string> stringList(const po::variables_map& values, const char* key) {
  return values.count(key) != 0 ? values[key].as<std::vector<std::string>>() : std::vector<std::string>{};
}

void addTitle(CommandLine& line, const char* defaultTitle) {
  line.options.add_options()("title", po::value<std::string>()->value_name("T"),
                             (std::string("Window title; default: ") + defaultTitle).c_str());
}

// "KEY=LABEL", or "KEY" alone as both key and label.
api::Action parseAction(const CommandLine& line, const std::string& text) {
  api::Action action;
  auto equals = text.find('=');
  action.key = text.substr(0, equals);
  action.label = equals == std::string::npos ? text : text.substr(equals + 1);
  if (action.key.empty()) {
    throw line.usageError("--action '" + text + "' has an empty KEY (write KEY=LABEL)");
  }
  return action;
}

// `text` as a whole number, or a usage error naming `option`.
std::int64_t parseInteger(const CommandLine& line, const std::string& option, const std::string& text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw line.usageError(option + " must be a whole number (64-bit), not '" + text + "'");
  }
  return value;
}

// `text` as a finite decimal number, or a usage error naming `option`.
double parseNumber(const CommandLine& line, const std::string& option, const std::string& text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    throw line.usageError(option + " must be a decimal number such as 2 or -0.5, not '" + text + "'");
  }
  return value;
}

// The values of --kind, in the order the help lists them.
struct KindName {
  const char* name;
  api::QuestionKind::type kind;
};
constexpr KindName kKinds[] = {
    {"text", api::QuestionKind::TEXT},     {"password", api::QuestionKind::PASSWORD},
    {"integer", api::QuestionKind::INTEGER}, {"number", api::QuestionKind::NUMBER},
    {"choice", api::QuestionKind::CHOICE}, {"multi", api::QuestionKind::MULTI_CHOICE},
    {"yes-no", api::QuestionKind::YES_NO},
};

api::QuestionKind::type parseKind(const CommandLine& line, const std::string& text) {
  for (const auto& entry : kKinds) {
    if (text == entry.name) {
      return entry.kind;
    }
  }
  throw line.usageError("--kind must be one of text, password, integer, number, choice, multi, yes-no; not '" +
                        text + "'");
}

// Fills the question's default from the --default values, as its kind reads them.
void setDefault(const CommandLine& line, api::Question& question, const std::vector<std::string>& defaults) {
  if (defaults.empty()) {
    return;
  }
  if (defaults.size() > 1 && question.kind != api::QuestionKind::MULTI_CHOICE) {
    throw line.usageError("--default may be given once (several times only with --kind multi)");
  }
  const std::string& first = defaults.front();
  switch (question.kind) {
    case api::QuestionKind::TEXT:
    case api::QuestionKind::PASSWORD:
      question.__set_defaultText(first);
      return;
    case api::QuestionKind::INTEGER:
      question.__set_defaultInteger(parseInteger(line, "--default", first));
      return;
    case api::QuestionKind::NUMBER:
      question.__set_defaultNumber(parseNumber(line, "--default", first));
      return;
    case api::QuestionKind::CHOICE:
    case api::QuestionKind::MULTI_CHOICE: {
      std::vector<std::int32_t> indices;
      for (const auto& label : defaults) {
        auto found = std::find(question.choices.begin(), question.choices.end(), label);
        if (found == question.choices.end()) {
          throw line.usageError("--default '" + label + "' is not one of the --choice labels");
        }
        indices.push_back(static_cast<std::int32_t>(found - question.choices.begin()));
      }
      question.__set_defaultChoices(indices);
      return;
    }
    case api::QuestionKind::YES_NO:
      if (first != "yes" && first != "no") {
        throw line.usageError("--default must be yes or no for --kind yes-no, not '" + first + "'");
      }
      question.__set_defaultYes(first == "yes");
      return;
  }
}

}  // namespace

ExitCode runSay(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Opens a popup showing TEXT (line breaks kept) and prints its window id at once.\n"
                   "With --wait, waits instead until the popup closes, then prints the KEY of the\n"
                   "action button pressed, or nothing when it closed otherwise (its OK or close\n"
                   "button, --timeout, `vitrine close`). Without --action the popup has an OK button.");
  addTitle(line, "vitrine");
  line.addWindowTimeout("Close the popup by itself after MS milliseconds; default: it stays until closed");
  line.options.add_options()
      ("action", po::value<std::vector<std::string>>()->value_name("KEY=LABEL"),
       "A button labelled LABEL that reports KEY when pressed (KEY alone: LABEL is KEY too); repeatable")
      ("name", po::value<std::string>()->value_name("N"), "A label for `vitrine windows`")
      ("wait", po::bool_switch(), "Wait until the popup closes; print the pressed action's KEY");
  line.addArgument("text");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  auto text = stringValue(*values, "text");
  if (!text) {
    throw line.usageError("missing TEXT");
  }
  api::SayOptions options;
  if (auto title = stringValue(*values, "title")) {
    options.__set_title(*title);
  }
  if (auto timeout = windowTimeout(line, *values)) {
    options.__set_timeoutMs(*timeout);
  }
  if (auto actions = stringList(*values, "action"); !actions.empty()) {
    std::vector<api::Action> parsed;
    for (const auto& action : actions) {
      parsed.push_back(parseAction(line, action));
    }
    options.__set_actions(parsed);
  }
  if (auto name = stringValue(*values, "name")) {
    options.__set_name(*name);
  }
  Client client = clientFor(*values);
  if ((*values)["wait"].as<bool>()) {
    std::string key = client.sayAndWait(*text, options);
    if (!key.empty()) {
      std::cout << key << '\n';
    }
  } else {
    std::cout << client.say(*text, options) << '\n';
  }
  return ExitCode::Success;
}

ExitCode runAsk(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Asks the person at the screen and prints the answer: the text, the integer, the\n"
                   "number, the chosen label(s) one per line (none for an empty multi choice), or\n"
                   "`yes`/`no` for --kind yes-no (both exit 0: read the output, not the exit code).\n"
                   "Exits 1 when the question is canceled or closed, 5 when --timeout runs out.\n"
                   "Interrupting vitrine closes the question.");
  line.options.add_options()
      ("kind", po::value<std::string>()->value_name("K")->default_value("text"),
       "text, password, integer, number, choice (one of --choice), multi (any of --choice) or yes-no")
      ("default", po::value<std::vector<std::string>>()->value_name("V"),
       "Pre-filled answer: text; a number; a --choice label (repeatable for multi); yes or no")
      ("min", po::value<std::string>()->value_name("X"), "Smallest accepted value (integer, number)")
      ("max", po::value<std::string>()->value_name("X"), "Largest accepted value (integer, number)")
      ("choice", po::value<std::vector<std::string>>()->value_name("LABEL"),
       "An option to choose from (choice, multi); repeatable, in order");
  addTitle(line, "vitrine");
  line.addWindowTimeout("Give up after MS milliseconds (exit 5); default: wait for ever");
  line.addArgument("prompt");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  auto prompt = stringValue(*values, "prompt");
  if (!prompt) {
    throw line.usageError("missing PROMPT");
  }
  api::Question question;
  question.prompt = *prompt;
  question.kind = parseKind(line, (*values)["kind"].as<std::string>());
  const bool numeric = question.kind == api::QuestionKind::INTEGER || question.kind == api::QuestionKind::NUMBER;
  const bool choosing = question.kind == api::QuestionKind::CHOICE || question.kind == api::QuestionKind::MULTI_CHOICE;

  auto choices = stringList(*values, "choice");
  if (choosing && choices.empty()) {
    throw line.usageError("--kind " + (*values)["kind"].as<std::string>() + " needs at least one --choice");
  }
  if (!choosing && !choices.empty()) {
    throw line.usageError("--choice applies to --kind choice and multi only");
  }
  if (choosing) {
    question.__set_choices(choices);
  }
  for (const char* bound : {"min", "max"}) {
    auto text = stringValue(*values, bound);
    if (!text) {
      continue;
    }
    const std::string option = std::string("--") + bound;
    if (!numeric) {
      throw line.usageError(option + " applies to --kind integer and number only");
    }
    double value = parseNumber(line, option, *text);
    if (bound == std::string_view("min")) {
      question.__set_minimum(value);
    } else {
      question.__set_maximum(value);
    }
  }
  setDefault(line, question, stringList(*values, "default"));
  if (auto title = stringValue(*values, "title")) {
    question.__set_title(*title);
  }
  if (auto timeout = windowTimeout(line, *values)) {
    question.__set_timeoutMs(*timeout);
  }

  Client client = clientFor(*values);
  std::cout << answerText(client.ask(question));
  return ExitCode::Success;
}

ExitCode runChooseFile(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Lets the person pick a file to open (the default), a file name to save to, or a\n"
                   "directory, and prints its absolute path. Exits 1 when the chooser is canceled or\n"
                   "closed, 5 when --timeout runs out.");
  line.options.add_options()
      ("save", po::bool_switch(), "Pick a file name to save to (it may not exist yet)")
      ("directory", po::bool_switch(), "Pick an existing directory")
      ("dir", po::value<std::string>()->value_name("DIR"),
       "Start in DIR (relative to the current directory); default: the server's working directory")
      ("filter", po::value<std::vector<std::string>>()->value_name("F"),
       "A name filter such as 'Images (*.png *.jpg)' or '*.txt'; repeatable")
      ("name", po::value<std::string>()->value_name("DEFAULT"), "The file name proposed (--save only)");
  addTitle(line, "the server's");
  line.addWindowTimeout("Give up after MS milliseconds (exit 5); default: wait for ever");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  const bool save = (*values)["save"].as<bool>();
  const bool directory = (*values)["directory"].as<bool>();
  if (save && directory) {
    throw line.usageError("--save and --directory exclude each other");
  }
  api::FileChooser chooser;
  chooser.mode = save ? api::FileChooserMode::SAVE
                      : directory ? api::FileChooserMode::DIRECTORY : api::FileChooserMode::OPEN;
  if (auto start = stringValue(*values, "dir")) {
    // The server resolves relative paths against its own working directory;
    // the person typing this means theirs.
    std::error_code error;
    auto absolute = std::filesystem::absolute(*start, error);
    chooser.__set_directory(error ? *start : absolute.lexically_normal().string());
  }
  if (auto filters = stringList(*values, "filter"); !filters.empty()) {
    if (directory) {
      throw line.usageError("--filter applies to files, not to --directory");
    }
    chooser.__set_nameFilters(filters);
  }
  if (auto name = stringValue(*values, "name")) {
    if (!save) {
      throw line.usageError("--name proposes a file name to save to; it needs --save");
    }
    chooser.__set_defaultName(*name);
  }
  if (auto title = stringValue(*values, "title")) {
    chooser.__set_title(*title);
  }
  if (auto timeout = windowTimeout(line, *values)) {
    chooser.__set_timeoutMs(*timeout);
  }
  Client client = clientFor(*values);
  std::cout << client.chooseFile(chooser) << '\n';
  return ExitCode::Success;
}

ExitCode runChooseColor(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Lets the person pick a colour and prints it as #rrggbb, or #rrggbbaa with --alpha.\n"
                   "Exits 1 when the chooser is canceled or closed, 5 when --timeout runs out.");
  line.options.add_options()
      ("initial", po::value<std::string>()->value_name("#RRGGBB")->default_value("#ffffff"),
       "The colour selected at first (#RRGGBBAA with an alpha)")
      ("alpha", po::bool_switch(), "Offer an alpha channel, and print it");
  addTitle(line, "the server's");
  line.addWindowTimeout("Give up after MS milliseconds (exit 5); default: wait for ever");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  const auto& initialText = (*values)["initial"].as<std::string>();
  auto initial = parseColorHex(initialText);
  if (!initial) {
    throw line.usageError("--initial must be a colour written #RRGGBB or #RRGGBBAA (hex), not '" + initialText +
                          "'");
  }
  const bool withAlpha = (*values)["alpha"].as<bool>();
  api::ColorChooser options;
  if (withAlpha) {
    options.__set_withAlpha(true);
  }
  if (auto title = stringValue(*values, "title")) {
    options.__set_title(*title);
  }
  if (auto timeout = windowTimeout(line, *values)) {
    options.__set_timeoutMs(*timeout);
  }
  Client client = clientFor(*values);
  std::cout << colorHex(client.chooseColor(*initial, options), withAlpha) << '\n';
  return ExitCode::Success;
}

}  // namespace vitrine::cli
