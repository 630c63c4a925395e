// `vitrine show`, `update`, `close`, `windows` and `events`: picture
// windows, every window, and the event stream (see subcommands.h and
// docs/cli.md).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "command_line.h"
#include "output_format.h"
#include "subcommands.h"

namespace vitrine::cli {

namespace po = boost::program_options;

namespace {

// How long one `events` long-poll waits for the server; each poll that
// comes back empty is simply repeated.
constexpr std::chrono::milliseconds kEventPoll{30000};

// The PNG or JPEG image in `file` (stdin for "-"), read before connecting:
// a missing file or one that is not an image is a usage error, and the
// server should not see a connection for a request that cannot be made.
api::Picture readPicture(const CommandLine& line, const std::string& file) {
  const std::string what = file == "-" ? std::string("the image on stdin") : file;
  try {
    return pictureFromBytes(readInput(line, file, "the image"), what);
  } catch (const std::invalid_argument& error) {
    throw line.usageError(error.what());
  }
}

// The sequence number of the newest event the server keeps now (0 when it
// keeps none): where `events` starts following. Pages through the log
// rather than polling from -1, because an empty poll from -1 says nothing
// about where "now" was; a second poll from -1 would skip whatever happened
// between the two.
std::int64_t newestSequence(Client& client) {
  std::int64_t newest = 0;
  while (true) {
    bool advanced = false;
    for (const auto& event : client.waitEvents(newest, std::chrono::milliseconds(0))) {
      if (event.sequence > newest) {
        newest = event.sequence;
        advanced = true;
      }
    }
    if (!advanced) {
      return newest;
    }
  }
}

}  // namespace

ExitCode runShow(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Opens a window showing the PNG or JPEG image in IMAGE (- reads it from stdin)\n"
                   "and prints its window id.");
  line.options.add_options()
      ("title", po::value<std::string>()->value_name("T"), "Window title; default: vitrine picture")
      ("inspectable", "A click on the picture shows x, y and the pixel's colour (PIXEL_CLICKED events)")
      ("name", po::value<std::string>()->value_name("N"), "A label for `vitrine windows`");
  line.addArgument("image");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  auto file = stringValue(*values, "image");
  if (!file) {
    throw line.usageError("missing IMAGE (or - for stdin)");
  }
  api::PictureOptions options;
  if (auto title = stringValue(*values, "title")) {
    options.__set_title(*title);
  }
  if (values->count("inspectable") != 0) {
    options.__set_inspectable(true);
  }
  if (auto name = stringValue(*values, "name")) {
    options.__set_name(*name);
  }
  api::Picture picture = readPicture(line, *file);
  Client client = clientFor(*values);
  std::cout << client.showPicture(picture, options) << '\n';
  return ExitCode::Success;
}

ExitCode runUpdate(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Replaces the picture in window ID (opened by `vitrine show`) with the PNG or JPEG\n"
                   "image in IMAGE (- reads it from stdin); it may have another size. Prints nothing.");
  line.addArgument("window");
  line.addArgument("image");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  auto window = stringValue(*values, "window");
  auto file = stringValue(*values, "image");
  if (!window || !file) {
    throw line.usageError(!window ? "missing ID and IMAGE" : "missing IMAGE (or - for stdin)");
  }
  std::int64_t id = parseWindowId(line, "ID", *window);
  api::Picture picture = readPicture(line, *file);
  Client client = clientFor(*values);
  client.updatePicture(id, picture);
  return ExitCode::Success;
}

ExitCode runClose(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Closes window ID (any window but the stage). A question or chooser closed this\n"
                   "way ends its own `vitrine` with exit code 1. Prints nothing; exits 1 when no\n"
                   "window ID is open.");
  line.addArgument("window");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  auto window = stringValue(*values, "window");
  if (!window) {
    throw line.usageError("missing ID");
  }
  std::int64_t id = parseWindowId(line, "ID", *window);
  Client client = clientFor(*values);
  client.closeWindow(id);
  return ExitCode::Success;
}

ExitCode runWindows(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Lists the open windows, the stage (0) first, one a line with tab-separated\n"
                   "fields: id, kind (STAGE, PICTURE, POPUP, QUESTION, FILE_CHOOSER, COLOR_CHOOSER),\n"
                   "visible or hidden, WIDTHxHEIGHT+X+Y, title, name.");
  line.options.add_options()("json", "Print a JSON array of objects instead (id, kind, title, name, visible, "
                                     "geometry)");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  const bool json = values->count("json") != 0;
  Client client = clientFor(*values);
  const auto windows = client.listWindows();
  if (json) {
    std::cout << '[';
    for (std::size_t i = 0; i < windows.size(); ++i) {
      std::cout << (i == 0 ? "\n  " : ",\n  ") << windowJson(windows[i]);
    }
    std::cout << (windows.empty() ? "]\n" : "\n]\n");
  } else {
    for (const auto& window : windows) {
      std::cout << windowLine(window) << '\n';
    }
  }
  return ExitCode::Success;
}

ExitCode runEvents(const Command& command, const std::vector<std::string>& args, const Context& context) {
  CommandLine line(command,
                   "Follows the server's events and prints one line for each as it happens:\n"
                   "  SEQUENCE TIME KIND window=ID FIELD=VALUE...\n"
                   "e.g. `12 2025-05-01T10:00:00.123Z WINDOW_CLOSED window=3 reason=CLOSED_BY_CLIENT`.\n"
                   "Starts with the events after it started (all the server keeps with --from-start);\n"
                   "runs until interrupted, or until it has printed --count lines. An EVENTS_MISSED\n"
                   "line (sequence 0) says how many events it fell behind on; it is always printed.");
  line.options.add_options()
      ("from-start", "Start with the oldest event the server keeps")
      ("count", po::value<std::int64_t>()->value_name("N"), "Stop after printing N events (N >= 1)")
      ("kind", po::value<std::vector<std::string>>()->value_name("KIND"),
       "Print only events of KIND (WINDOW_OPENED, WINDOW_CLOSED, ACTION_INVOKED, PIXEL_CLICKED, ANSWER_GIVEN, "
       "PAGE_LOADED, PUSH_FAILED, RENDERER_RESTARTED); repeatable")
      ("json", "Print each event as a JSON object on its own line (the IDL's Event fields)");
  auto values = line.parse(args, context);
  if (!values) {
    return ExitCode::Success;
  }
  std::optional<std::int64_t> count;
  if (values->count("count") != 0) {
    count = (*values)["count"].as<std::int64_t>();
    if (*count < 1) {
      throw line.usageError("--count must be 1 or more");
    }
  }
  const bool json = values->count("json") != 0;
  std::set<api::EventKind::type> kinds;
  if (values->count("kind") != 0) {
    for (const std::string& name : (*values)["kind"].as<std::vector<std::string>>()) {
      const auto found = std::find_if(api::_EventKind_VALUES_TO_NAMES.begin(), api::_EventKind_VALUES_TO_NAMES.end(),
                                      [&name](const auto& entry) { return name == entry.second; });
      if (found == api::_EventKind_VALUES_TO_NAMES.end()) throw line.usageError("unknown --kind '" + name + "'");
      kinds.insert(static_cast<api::EventKind::type>(found->first));
    }
  }
  Client client = clientFor(*values);
  std::int64_t after = values->count("from-start") != 0 ? 0 : newestSequence(client);
  std::int64_t printed = 0;
  while (true) {
    for (const auto& event : client.waitEvents(after, kEventPoll)) {
      // EVENTS_MISSED carries sequence 0 and does not move the position.
      after = std::max(after, event.sequence);
      const bool missed = event.kind == api::EventKind::EVENTS_MISSED;
      if (!kinds.empty() && !missed && kinds.count(event.kind) == 0) continue;
      // Flushed line by line: whoever reads the pipe acts on each event as
      // it comes, not when a buffer fills.
      std::cout << (json ? eventJson(event) : eventLine(event)) << std::endl;
      if (!std::cout) {
        throw Failure(ExitCode::Refused, "cannot write to stdout");
      }
      if (count && ++printed == *count) {
        return ExitCode::Success;
      }
    }
  }
}

}  // namespace vitrine::cli
