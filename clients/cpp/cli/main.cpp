// `vitrine`: drives a running vitrine server from the command line.
// Global options come before the subcommand (and are accepted after it);
// each subcommand parses the rest. Every failure ends in exactly one
// `vitrine: ` line on stderr and an exit code from commands.h.
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <thrift/TOutput.h>

#include "commands.h"
#include "vitrine/client.h"
#include "vitrine/version.h"

namespace po = boost::program_options;
using vitrine::cli::ExitCode;
using vitrine::cli::Failure;
using vitrine::cli::UsageError;

namespace {

po::options_description connectionOptions() {
  po::options_description options("Global options");
  options.add_options()
      ("address", po::value<std::string>()->value_name("ADDR"),
       "Server address: unix:PATH, tcp:HOST:PORT or tls:HOST:PORT, e.g. tcp:[::1]:9090 (default: "
       "$VITRINE_ADDRESS, else the default socket)")
      ("timeout", po::value<std::int64_t>()->value_name("MS"),
       "Give up on a call when the server sends nothing for MS milliseconds; 0 (the default) "
       "waits forever. For say, ask, choose-file and choose-color give it before the command: "
       "after it, --timeout is the window's own")
      ("token-file", po::value<std::string>()->value_name("FILE"),
       "Authenticate with the token in FILE, for a server started with --token-file "
       "(default: $VITRINE_TOKEN; a token on the command line would show in ps)")
      ("tls-ca", po::value<std::string>()->value_name("FILE"),
       "For a tls: address: trust the CA certificates in FILE (PEM) to sign the server's certificate "
       "(default: $VITRINE_TLS_CA, else the system's CAs)")
      ("tls-cert", po::value<std::string>()->value_name("FILE"),
       "For a tls: address: present the certificate in FILE (PEM), for a server started with "
       "--tls-client-ca (default: $VITRINE_TLS_CERT)")
      ("tls-key", po::value<std::string>()->value_name("FILE"),
       "The unencrypted private key of --tls-cert (PEM; default: $VITRINE_TLS_KEY, else the "
       "--tls-cert file)")
      ("compact", "Speak Thrift's compact protocol instead of the binary one");
  return options;
}

po::options_description otherOptions() {
  po::options_description options("Other options");
  options.add_options()
      ("help,h", "Print this help (or, after COMMAND, the command's help) and exit")
      ("version", "Print the version and exit");
  return options;
}

void printHelp(const po::options_description& connection, const po::options_description& other) {
  std::cout << "Usage: vitrine [GLOBAL OPTIONS] COMMAND [ARGS...]\n"
               "       vitrine --help | --version\n"
               "\n"
               "Drives a running vitrine display server (start one with `make run` or `vitrine-server`).\n"
               "\n"
               "Commands:\n";
  for (const auto& command : vitrine::cli::commands()) {
    std::string name(command.name);
    name.resize(std::max<std::size_t>(name.size() + 2, 14), ' ');
    std::cout << "  " << name << command.summary << '\n';
  }
  std::cout << "Run 'vitrine COMMAND --help' for a command's arguments.\n\n"
            << "Without --address, vitrine connects to $VITRINE_ADDRESS, or when that is unset\n"
            << "to the default socket of the server, now unix:" << vitrine::defaultSocketPath() << ".\n"
            << "A server started with --token-file serves TCP connections only after they\n"
            << "authenticate: give the token in $VITRINE_TOKEN or with --token-file.\n"
            << "A tls: address speaks TLS: the server's certificate must be signed by a CA of\n"
            << "--tls-ca and name the address's host; the token then travels encrypted.\n\n"
            << connection << '\n'
            << other << '\n'
            << vitrine::cli::exitCodeHelp();
}

// Where the global options end and the subcommand name is in `args`.
struct CommandPosition {
  std::size_t globalEnd;  // global options are args[0, globalEnd)
  std::size_t command;    // args.size() when no command was given
};

// The command is the first token that is not a global option or the value
// of one; a `--` before it ends the global options. Unknown options are
// skipped here and reported by the global parser.
CommandPosition findCommand(const std::vector<std::string>& args, const po::options_description& global) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--") {
      return {i, i + 1};
    }
    if (arg.size() < 2 || arg.front() != '-') {
      return {i, i};
    }
    if (arg.starts_with("--") && arg.find('=') == std::string_view::npos) {
      const auto* option = global.find_nothrow(std::string(arg.substr(2)), false);
      if (option != nullptr && option->semantic()->max_tokens() > 0) {
        ++i;  // its value, even if it looks like a command name
      }
    }
  }
  return {args.size(), args.size()};
}

ExitCode run(const std::vector<std::string>& args) {
  const po::options_description connection = connectionOptions();
  const po::options_description other = otherOptions();
  po::options_description global;
  global.add(connection).add(other);

  const auto [globalEnd, commandAt] = findCommand(args, global);
  const std::vector<std::string> globalArgs(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(globalEnd));
  po::variables_map globals;
  try {
    po::store(po::command_line_parser(globalArgs).options(global).style(vitrine::cli::parserStyle()).run(),
              globals);
    po::notify(globals);
  } catch (const po::error& error) {
    throw UsageError(std::string(error.what()) + "; see 'vitrine --help'");
  }

  if (globals.count("version") != 0) {
    std::cout << "vitrine " << vitrine::kVersion << '\n';
    return ExitCode::Success;
  }
  if (commandAt == args.size()) {
    if (globals.count("help") != 0) {
      printHelp(connection, other);
      return ExitCode::Success;
    }
    throw UsageError("no command given; see 'vitrine --help'");
  }

  const std::string& name = args[commandAt];
  const auto commands = vitrine::cli::commands();
  auto command = std::find_if(commands.begin(), commands.end(),
                              [&](const vitrine::cli::Command& candidate) { return candidate.name == name; });
  if (command == commands.end()) {
    throw UsageError("unknown command '" + name + "'; see 'vitrine --help'");
  }
  const std::vector<std::string> commandArgs(args.begin() + static_cast<std::ptrdiff_t>(commandAt) + 1,
                                             args.end());
  return command->run(*command, commandArgs, vitrine::cli::Context{connection, globals});
}

// Runs the tool and turns every failure into its exit code and one line on
// stderr.
ExitCode runReporting(const std::vector<std::string>& args) {
  std::string message;
  ExitCode code = ExitCode::Refused;
  try {
    ExitCode result = run(args);
    std::cout.flush();
    if (!std::cout) {
      throw Failure(ExitCode::Refused, "cannot write to stdout");
    }
    return result;
  } catch (const Failure& failure) {
    code = failure.code();
    message = failure.what();
  } catch (const vitrine::ConnectError& error) {
    code = ExitCode::CannotConnect;
    message = error.what();
  } catch (const vitrine::CallError& error) {
    switch (error.reason()) {
      case vitrine::CallError::Reason::TimedOut:
        code = ExitCode::TimedOut;
        break;
      case vitrine::CallError::Reason::Application:
        code = ExitCode::Refused;
        break;
      case vitrine::CallError::Reason::Transport:
      case vitrine::CallError::Reason::Protocol:
        code = ExitCode::CallFailed;
        break;
    }
    message = error.what();
  } catch (const vitrine::api::WindowNotFound& error) {
    message = error.message.empty() ? "no window " + std::to_string(error.windowId) + " is open" : error.message;
  } catch (const vitrine::api::InvalidArgument& error) {
    message = "the server refused the request: " + error.message;
  } catch (const vitrine::api::LimitExceeded& error) {
    message = "the server refused the request: " + error.message;
  } catch (const vitrine::api::DialogCanceled& error) {
    // Like zenity: 5 when the dialog's own timeout ran out, 1 for every
    // other way it ended without an answer.
    if (error.reason == vitrine::api::CloseReason::TIMED_OUT) {
      code = ExitCode::TimedOut;
    }
    message = error.message.empty()
                  ? "the dialog ended without an answer (" + vitrine::api::to_string(error.reason) + ")"
                  : error.message;
  } catch (const apache::thrift::TException& error) {
    // An exception the IDL declares that this build of the tool does not know.
    message = std::string("the server refused the request: ") + error.what();
  } catch (const std::exception& error) {
    message = error.what();
  }
  std::cout.flush();
  // One line, whatever the message holds (a server's message may span lines).
  std::replace(message.begin(), message.end(), '\n', ' ');
  std::cerr << "vitrine: " << message << std::endl;
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // Thrift logs socket errors to stderr on its own; the tool reports every
  // failure itself, in one line.
  apache::thrift::GlobalOutput.setOutputFunction([](const char*) {});
  std::vector<std::string> args(argv + 1, argv + argc);
  return static_cast<int>(runReporting(args));
}
