// The subcommands of the `vitrine` tool (see commands.h and docs/cli.md).
#include "commands.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>

#include "command_line.h"
#include "subcommands.h"
#include "vitrine/client.h"

namespace vitrine::cli {

namespace po = boost::program_options;

namespace {

std::optional<std::chrono::milliseconds> loadTimeout(const CommandLine& line, const po::variables_map& values) {
  if (values.count("timeout-load") == 0) {
    return std::nullopt;
  }
  auto timeoutMs = values["timeout-load"].as<std::int32_t>();
  if (timeoutMs <= 0) {
    throw line.usageError(
        "--timeout-load must be a positive number of milliseconds (leave it out for the server's default)");
  }
  return std::chrono::milliseconds(timeoutMs);
}

// The options of the commands that push to the stage: --name, whose default
// `nameDefault` describes, and --timeout-load.
void addPushOptions(CommandLine& line, const std::string& nameDefault) {
  line.options.add_options()
      ("name", po::value<std::string>()->value_name("NAME"),
       ("Label for what is shown (whatsLoaded); default: " + nameDefault).c_str())
      ("timeout-load", po::value<std::int32_t>()->value_name("MS"),
       "Give up loading after MS milliseconds (the server answers TIMED_OUT); default: the server's "
       "--load-timeout");
}

// Prints the result's name and turns anything but OK into a Failure.
// `what` names what was pushed, for the error line.
ExitCode reportPush(api::PushResult::type result, const std::string& what) {
  std::cout << toString(result) << '\n';
  switch (result) {
    case api::PushResult::OK:
      return ExitCode::Success;
    case api::PushResult::TIMED_OUT:
      throw Failure(ExitCode::TimedOut, what + " did not finish loading within the load timeout");
    case api::PushResult::LOAD_FAILED:
      throw Failure(ExitCode::Refused, "the server could not load " + what);
    case api::PushResult::INVALID_ARGUMENT:
      throw Failure(ExitCode::Refused,
                    "the server refused " + what + " (malformed URL, forbidden scheme or empty name)");
    case api::PushResult::SUPERSEDED:
      throw Failure(ExitCode::Refused, "a newer push replaced " + what + " before it finished loading");
  }
  throw Failure(ExitCode::Refused, "the server answered " + toString(result) + " for " + what);
}

void writeOutput(const std::string& file, const std::string& bytes) {
  if (file == "-") {
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::cout.flush();
    if (!std::cout) {
      throw Failure(ExitCode::Refused, "cannot write the screenshot to stdout");
    }
    return;
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (out) {
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
  }
  if (!out) {
    throw Failure(ExitCode::Refused, "cannot write the screenshot to " + file + ": " + errnoText());
  }
}

ExitCode runUrl(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Loads URL on the stage and prints the result once the page has loaded, failed or\n"
                   "timed out: OK, LOAD_FAILED, INVALID_ARGUMENT, TIMED_OUT or SUPERSEDED.");
  addPushOptions(line, "the URL");
  line.addArgument("url");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  if (values->count("url") == 0) {
    throw line.usageError("missing URL");
  }
  const auto& url = (*values)["url"].as<std::string>();
  const std::string name = values->count("name") != 0 ? (*values)["name"].as<std::string>() : url;
  auto timeout = loadTimeout(line, *values);
  Client client = clientFor(*values);
  return reportPush(client.fetchUrl(name, url, timeout), url);
}

ExitCode runHtml(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Shows the HTML document in FILE (or read from stdin for -) on the stage and prints\n"
                   "the result once it is rendered: OK, INVALID_ARGUMENT, TIMED_OUT or SUPERSEDED.");
  addPushOptions(line, "the file's name, or stdin");
  line.addArgument("file");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  if (values->count("file") == 0) {
    throw line.usageError("missing FILE (or - for stdin)");
  }
  const auto& file = (*values)["file"].as<std::string>();
  std::string name;
  if (values->count("name") != 0) {
    name = (*values)["name"].as<std::string>();
  } else {
    name = file == "-" ? std::string("stdin") : std::filesystem::path(file).filename().string();
  }
  auto timeout = loadTimeout(line, *values);
  // Read before connecting: a missing file is a usage error, and the server
  // should not see a connection for a request that cannot be made.
  const std::string html = readInput(line, file, "the HTML document");
  Client client = clientFor(*values);
  return reportPush(client.postHtml(name, html, timeout),
                    file == "-" ? std::string("the HTML document from stdin") : "the HTML document " + file);
}

ExitCode runLoaded(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Prints the name and the URL of what the stage shows, separated by a tab, on one\n"
                   "line (both empty before anything was pushed).");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  Client client = clientFor(*values);
  std::string name = client.whatsLoaded();
  std::string url = client.currentUrl();
  std::cout << name << '\t' << url << '\n';
  return ExitCode::Success;
}

ExitCode runScreenshot(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Writes a PNG of what window WINDOW shows to FILE (- for stdout). WINDOW is a\n"
                   "window id as `vitrine windows` lists them: 0, the default, is the stage; pictures,\n"
                   "popups, questions and choosers by their ids. Exits 1 when no window WINDOW is open.");
  line.options.add_options()("output,o", po::value<std::string>()->value_name("FILE")->required(),
                             "Where to write the PNG; - writes it to stdout");
  line.addArgument("window");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  std::int64_t window = 0;
  if (auto text = stringValue(*values, "window")) {
    window = parseWindowId(line, "WINDOW", *text);
  }
  Client client = clientFor(*values);
  writeOutput((*values)["output"].as<std::string>(), client.screenshot(window));
  return ExitCode::Success;
}

ExitCode runPing(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Checks that the server answers, and prints `pong` with the round-trip time of\n"
                   "one call (connecting is not counted).");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  Client client = clientFor(*values);
  client.connect();
  auto start = std::chrono::steady_clock::now();
  client.ping();
  std::chrono::duration<double, std::milli> roundTrip = std::chrono::steady_clock::now() - start;
  std::cout << "pong " << std::fixed << std::setprecision(3) << roundTrip.count() << " ms\n";
  return ExitCode::Success;
}

ExitCode runInfo(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Prints the server's version, uptime and counters, one `key: value` per line\n"
                   "(keys as in the IDL's ServerInfo).");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  Client client = clientFor(*values);
  api::ServerInfo info = client.serverInfo();
  std::string listeners;
  for (const auto& listener : info.listeners) {
    listeners += (listeners.empty() ? "" : ", ") + listener;
  }
  std::cout << "version: " << info.version << '\n'
            << "uptimeMs: " << info.uptimeMs << '\n'
            << "connections: " << info.connections << '\n'
            << "callsServed: " << info.callsServed << '\n'
            << "windows: " << info.windows << '\n'
            << "listeners: " << listeners << '\n'
            << "platform: " << info.platform << '\n'
            << "qtVersion: " << info.qtVersion << '\n'
            << "pid: " << info.pid << '\n'
            << "longestTurnUs: " << info.longestTurnUs << '\n'
            << "longestTurnCause: " << info.longestTurnCause << '\n'
            << "slowTurns: " << info.slowTurns << '\n'
            << "pictureBytes: " << info.pictureBytes << '\n'
            << "unsentBytes: " << info.unsentBytes << '\n';
  return ExitCode::Success;
}

constexpr Command kCommands[] = {
    {"url", "URL [--name NAME] [--timeout-load MS]",
     "Load a web page on the stage; print the result (OK, LOAD_FAILED...)", runUrl},
    {"html", "FILE|- [--name NAME] [--timeout-load MS]",
     "Show an HTML document (a file, or stdin for -); print the result", runHtml},
    {"loaded", "", "Print the name and URL of what the stage shows", runLoaded},
    {"say", "TEXT [--title T] [--timeout MS] [--action KEY=LABEL]... [--name N] [--wait]",
     "Open a popup; print its window id (with --wait: the action pressed)", runSay},
    {"ask",
     "PROMPT [--kind text|password|integer|number|choice|multi|yes-no] [--default V]... [--min X] [--max X] "
     "[--choice LABEL]... [--title T] [--timeout MS]",
     "Ask the person at the screen; print the answer", runAsk},
    {"choose-file", "[--save | --directory] [--dir DIR] [--filter F]... [--name DEFAULT] [--title T] [--timeout MS]",
     "Let the person pick a file or directory; print its path", runChooseFile},
    {"choose-color", "[--initial #RRGGBB] [--alpha] [--title T] [--timeout MS]",
     "Let the person pick a colour; print it as #rrggbb", runChooseColor},
    {"show", "IMAGE|- [--title T] [--inspectable] [--name N]",
     "Open a window showing a PNG or JPEG image; print its window id", runShow},
    {"update", "ID IMAGE|-", "Replace the picture in window ID", runUpdate},
    {"close", "ID", "Close window ID", runClose},
    {"windows", "[--json]", "List the open windows", runWindows},
    {"events", "[--from-start] [--count N] [--json]", "Follow the server's events; print one line each",
     runEvents},
    {"screenshot", "--output FILE [WINDOW]", "Write a PNG of a window (the stage by default)", runScreenshot},
    {"ping", "", "Check that the server answers; print the round-trip time", runPing},
    {"info", "", "Print the server's version, uptime and counters", runInfo},
};

}  // namespace

std::string_view exitCodeHelp() {
  return "Exit codes:\n"
         "  0  success (ask: answered, `no` included)\n"
         "  1  the server answered but refused or failed the request (a push result other\n"
         "     than OK and TIMED_OUT, an unknown window, an invalid argument, a server\n"
         "     limit), a dialog was canceled or closed without an answer, or the result\n"
         "     could not be written\n"
         "  2  usage error: bad option, argument or address, or an unreadable input file\n"
         "  3  cannot connect to the server, its TLS certificate was refused, or it refused\n"
         "     the token\n"
         "  4  the call failed in transit: connection lost, or an undecodable answer\n"
         "  5  timed out: the push answered TIMED_OUT, a dialog's own --timeout ran out,\n"
         "     or no answer within the global --timeout\n";
}

int parserStyle() {
  return po::command_line_style::unix_style & ~po::command_line_style::allow_guessing;
}

std::span<const Command> commands() {
  return kCommands;
}

}  // namespace vitrine::cli
