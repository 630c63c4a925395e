// What the subcommands of the `vitrine` tool share (see command_line.h).
#include "command_line.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>

namespace vitrine::cli {

namespace po = boost::program_options;

namespace {

// The key under which addWindowTimeout() stores the command's --timeout,
// so that it never mixes with the global --timeout (the call timeout).
constexpr const char* kWindowTimeoutKey = "window-timeout";

// The global options without --timeout, for commands whose own --timeout
// replaces it after the command name. Two options of one name would make
// every --timeout ambiguous.
po::options_description globalsWithoutTimeout(const po::options_description& globals) {
  po::options_description filtered("Global options (the call timeout --timeout goes before the command)");
  for (const auto& option : globals.options()) {
    if (option->long_name() != "timeout") {
      filtered.add(option);
    }
  }
  return filtered;
}

}  // namespace

CommandLine::CommandLine(const Command& command, std::string_view description)
    : name_(command.name), synopsis_(command.synopsis), description_(description) {
  options.add_options()("help,h", "Print this help and exit");
}

void CommandLine::addArgument(const char* key) {
  arguments_.add_options()(key, po::value<std::string>());
  positional_.add(key, 1);
}

void CommandLine::addWindowTimeout(const std::string& help) {
  options.add_options()("timeout", po::value<std::int64_t>()->value_name("MS"), help.c_str());
  ownsTimeout_ = true;
}

std::optional<po::variables_map> CommandLine::parse(const std::vector<std::string>& args,
                                                    const Context& context) const {
  const po::options_description globals =
      ownsTimeout_ ? globalsWithoutTimeout(context.globalOptions) : context.globalOptions;
  po::options_description all;
  all.add(options).add(arguments_).add(globals);
  po::variables_map values;
  if (!ownsTimeout_) {
    // Values from before the command are final in the copy, so they win
    // over the same option given again after it.
    values = context.globals;
  }
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional_).style(parserStyle()).run(),
              values);
    // `vitrine --help COMMAND` leaves --help among the globals.
    if (values.count("help") != 0 || context.globals.count("help") != 0) {
      printHelp(globals);
      return std::nullopt;
    }
    po::notify(values);
  } catch (const po::too_many_positional_options_error&) {
    throw usageError("too many arguments");
  } catch (const po::error& error) {
    throw usageError(error.what());
  }
  if (ownsTimeout_) {
    // The command's --timeout moves to its own key, and the global options
    // from before the command (the call timeout among them) are merged in,
    // winning over the same option given after it, as above.
    if (auto own = values.find("timeout"); own != values.end()) {
      po::variable_value timeout = own->second;
      values.erase(own);
      values.emplace(kWindowTimeoutKey, timeout);
    }
    for (const auto& [key, value] : context.globals) {
      values.erase(key);
      values.emplace(key, value);
    }
  }
  return values;
}

UsageError CommandLine::usageError(const std::string& problem) const {
  return UsageError(problem + "; see 'vitrine " + std::string(name_) + " --help'");
}

void CommandLine::printHelp(const po::options_description& globals) const {
  std::cout << "Usage: vitrine [GLOBAL OPTIONS] " << name_ << (synopsis_.empty() ? "" : " ") << synopsis_ << "\n\n"
            << description_ << "\n\n"
            << options << '\n'
            << globals << '\n'
            << exitCodeHelp();
}

Client clientFor(const po::variables_map& values) {
  Endpoint endpoint;
  try {
    endpoint = values.count("address") != 0 ? Endpoint::parse(values["address"].as<std::string>())
                                             : defaultEndpoint();
  } catch (const std::invalid_argument& error) {
    throw UsageError(std::string(values.count("address") != 0 ? "--address: " : "") + error.what());
  }
  ClientOptions options;
  if (values.count("timeout") != 0) {
    auto timeoutMs = values["timeout"].as<std::int64_t>();
    if (timeoutMs < 0) {
      throw UsageError("--timeout must be 0 (wait forever) or a number of milliseconds; see 'vitrine --help'");
    }
    options.callTimeout = std::chrono::milliseconds(timeoutMs);
  }
  if (values.count("compact") != 0) {
    options.protocol = ClientOptions::Protocol::Compact;
  }
  if (values.count("token-file") != 0) {
    try {
      options.token = tokenFromFile(values["token-file"].as<std::string>());
    } catch (const std::invalid_argument& error) {
      throw UsageError(std::string("--token-file: ") + error.what());
    }
  }
  // The files are read at the first connect, which names the one it cannot use.
  if (values.count("tls-ca") != 0) options.tlsCaFile = values["tls-ca"].as<std::string>();
  if (values.count("tls-cert") != 0) options.tlsCertFile = values["tls-cert"].as<std::string>();
  if (values.count("tls-key") != 0) options.tlsKeyFile = values["tls-key"].as<std::string>();
  return Client(std::move(endpoint), options);
}

std::optional<std::string> stringValue(const po::variables_map& values, const char* key) {
  if (values.count(key) == 0) {
    return std::nullopt;
  }
  return values[key].as<std::string>();
}

std::int64_t parseWindowId(const CommandLine& line, const std::string& what, const std::string& text) {
  // Parsed here rather than by program_options, whose message would call
  // the argument an option named --window.
  std::int64_t id = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size() || id < 0) {
    throw line.usageError(what + " must be a window id (a whole number, 0 or more, as `vitrine windows` lists), not '" +
                          text + "'");
  }
  return id;
}

std::optional<std::int32_t> windowTimeout(const CommandLine& line, const po::variables_map& values) {
  if (values.count(kWindowTimeoutKey) == 0) {
    return std::nullopt;
  }
  auto timeoutMs = values[kWindowTimeoutKey].as<std::int64_t>();
  if (timeoutMs <= 0 || timeoutMs > std::numeric_limits<std::int32_t>::max()) {
    throw line.usageError("--timeout must be a positive number of milliseconds below 2^31 (leave it out to wait "
                          "for ever)");
  }
  return static_cast<std::int32_t>(timeoutMs);
}

std::string errnoText() {
  return std::strerror(errno);
}

std::string readInput(const CommandLine& line, const std::string& file, const std::string& what) {
  if (file == "-") {
    std::string content(std::istreambuf_iterator<char>(std::cin), {});
    if (std::cin.bad()) {
      throw Failure(ExitCode::Refused, "cannot read " + what + " from stdin");
    }
    return content;
  }
  std::error_code ignored;
  if (std::filesystem::is_directory(file, ignored)) {
    throw line.usageError("cannot read " + file + ": it is a directory");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw line.usageError("cannot read " + file + ": " + errnoText());
  }
  std::string content(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) {
    throw Failure(ExitCode::Refused, "cannot read " + file + ": " + errnoText());
  }
  return content;
}

}  // namespace vitrine::cli
