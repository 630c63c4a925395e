// The run functions of the `vitrine` subcommands, by family; commands.cpp
// lists them in commands(). Each one parses `args` (what follows the
// command name), prints its help and returns Success for --help, else does
// the work, writes its result to stdout and throws Failure, UsageError or
// the client's exceptions (which main() maps to exit codes). Internal to
// the tool; main thread.
#pragma once

#include <string>
#include <vector>

#include "commands.h"

namespace vitrine::cli {

// Popups, questions and choosers (dialog_commands.cpp).
ExitCode runSay(const Command& command, const std::vector<std::string>& args, const Context& context);
ExitCode runAsk(const Command& command, const std::vector<std::string>& args, const Context& context);
ExitCode runChooseFile(const Command& command, const std::vector<std::string>& args, const Context& context);
ExitCode runChooseColor(const Command& command, const std::vector<std::string>& args, const Context& context);

// Pictures, windows and events (window_commands.cpp).
ExitCode runShow(const Command& command, const std::vector<std::string>& args, const Context& context);
ExitCode runUpdate(const Command& command, const std::vector<std::string>& args, const Context& context);
ExitCode runClose(const Command& command, const std::vector<std::string>& args, const Context& context);
ExitCode runWindows(const Command& command, const std::vector<std::string>& args, const Context& context);
ExitCode runEvents(const Command& command, const std::vector<std::string>& args, const Context& context);

}  // namespace vitrine::cli
