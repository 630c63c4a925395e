// What the subcommands of the `vitrine` tool share: parsing a command's
// options and arguments, printing its help, reading input files, and
// building the Client the global options describe. Internal to the tool.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "commands.h"
#include "vitrine/client.h"

namespace vitrine::cli {

/// One subcommand's own options and positional arguments, and the parsing
/// and help they share. Built afresh by each run function; single thread.
class CommandLine {
 public:
  /// `description` is the paragraph `--help` prints under the usage line.
  CommandLine(const Command& command, std::string_view description);

  /// The command's options; add to it with add_options(). --help is there already.
  boost::program_options::options_description options{"Options"};

  /// Declares the next positional argument, stored as a string under `key`.
  void addArgument(const char* key);

  /// Declares `--timeout MS`, the command's own timeout (how long its window
  /// stays open), stored under the key "window-timeout". After the command
  /// name, --timeout then means this option; the global --timeout (the call
  /// timeout) is still accepted before the command name.
  void addWindowTimeout(const std::string& help);

  /// Parses `args` (what follows the command name) together with the global
  /// options. Returns nothing after printing the help for --help; throws
  /// UsageError for anything malformed. A global option given both before
  /// and after the command keeps its value from before.
  std::optional<boost::program_options::variables_map> parse(const std::vector<std::string>& args,
                                                             const Context& context) const;

  /// A UsageError whose message is `problem` followed by a pointer to this
  /// command's --help.
  UsageError usageError(const std::string& problem) const;

  /// The command's name, e.g. "ask".
  std::string_view name() const noexcept { return name_; }

 private:
  void printHelp(const boost::program_options::options_description& globals) const;

  std::string_view name_;
  std::string_view synopsis_;
  std::string_view description_;
  // Definitions for the positional arguments; not shown in the option list
  // since the usage line names them.
  boost::program_options::options_description arguments_;
  boost::program_options::positional_options_description positional_;
  bool ownsTimeout_ = false;
};

/// The Client described by the global options: --address (else
/// $VITRINE_ADDRESS, else the default socket), --timeout, --compact,
/// --token-file (else $VITRINE_TOKEN) and --tls-ca, --tls-cert, --tls-key
/// (else $VITRINE_TLS_CA, $VITRINE_TLS_CERT, $VITRINE_TLS_KEY). Throws
/// UsageError for a malformed address, a negative --timeout or an
/// unreadable token file.
Client clientFor(const boost::program_options::variables_map& values);

/// The value of the positional argument or option `key` when given.
std::optional<std::string> stringValue(const boost::program_options::variables_map& values, const char* key);

/// Parses `text` as a window id (a whole number, 0 or more); throws
/// line.usageError naming `what` (e.g. "WINDOW") otherwise.
std::int64_t parseWindowId(const CommandLine& line, const std::string& what, const std::string& text);

/// The "window-timeout" of addWindowTimeout() when given: a positive number
/// of milliseconds that fits in an i32 (UsageError otherwise).
std::optional<std::int32_t> windowTimeout(const CommandLine& line, const boost::program_options::variables_map& values);

/// The whole content of `file`, or of stdin for "-", as bytes. `what`
/// names the content for the stdin error ("the HTML document"). A missing
/// or unreadable file, or a directory, is a UsageError (nothing has been
/// sent yet); a read error half-way is a Failure(Refused).
std::string readInput(const CommandLine& line, const std::string& file, const std::string& what);

/// strerror(errno), read at once.
std::string errnoText();

}  // namespace vitrine::cli
