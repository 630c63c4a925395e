// The subcommands of the `vitrine` tool, and how its failures become exit
// codes. main.cpp parses the global options and hands the rest of the
// command line to one of these.
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

namespace vitrine::cli {

/// The tool's exit status; scripts rely on these values, so they never change
/// meaning. Documented in `vitrine --help` and docs/cli.md.
enum class ExitCode : int {
  Success = 0,
  /// The server answered but refused or failed the request.
  Refused = 1,
  /// Bad command line, address, or input file.
  Usage = 2,
  /// No connection to the server could be opened.
  CannotConnect = 3,
  /// The connection broke or the answer could not be decoded.
  CallFailed = 4,
  /// A page load or the call itself ran past its timeout.
  TimedOut = 5,
};

/// A failure main() reports as one `vitrine: ` line on stderr before
/// exiting with `code`. `what()` is that line without the prefix.
class Failure : public std::runtime_error {
 public:
  Failure(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

/// A mistake on the command line (ExitCode::Usage). The message should end
/// by pointing at the right `--help`.
class UsageError : public Failure {
 public:
  explicit UsageError(const std::string& message) : Failure(ExitCode::Usage, message) {}
};

/// The exit-code table as printed at the end of every `--help`.
std::string_view exitCodeHelp();

/// The option style for every parser of the tool: Unix style without
/// prefix guessing, so `--time` is an error rather than a guess at
/// `--timeout` or `--timeout-load`.
int parserStyle();

/// What a subcommand gets from main(). Lives for the duration of the call.
struct Context {
  /// The global options (--address, --timeout, --token-file, --compact), also accepted
  /// after the subcommand name.
  const boost::program_options::options_description& globalOptions;
  /// Global options given before the subcommand name.
  const boost::program_options::variables_map& globals;
};

/// One subcommand. `run`, given its own entry, parses `args` (what follows
/// the subcommand name), prints its help and returns Success for --help,
/// else does the work. It writes its result to stdout and throws Failure
/// (or the client's exceptions, which main() maps) on failure.
struct Command {
  std::string_view name;
  std::string_view synopsis;  // arguments shown after the name in the usage line
  std::string_view summary;   // one line for `vitrine --help`
  ExitCode (*run)(const Command& command, const std::vector<std::string>& args, const Context& context);
};

/// Every subcommand, in the order `vitrine --help` lists them.
std::span<const Command> commands();

}  // namespace vitrine::cli
