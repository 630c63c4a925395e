// Running the `vitrine` command-line tool built with the tests, and the
// checks every CLI test shares.
#pragma once

#include <string>
#include <vector>

#include "support/process.h"

namespace vitrine::test {

/// Runs the `vitrine` tool built with the tests (runProcess, 60 s
/// deadline), with VITRINE_ADDRESS pointing nowhere unless `env` sets it: a
/// test that should stop at a usage error (2) cannot pass by reaching a
/// server, and one that tries to connect fails with 3, not by luck. A run
/// killed at its deadline also fails the current test. Test thread only.
ProcessResult runVitrine(const std::vector<std::string>& args, Environment env = {}, const std::string& input = {});

/// Checks the tool's promise for every failure: exactly one line on
/// stderr, starting "vitrine: ". Adds test failures otherwise.
void expectOneErrorLine(const ProcessResult& result);

}  // namespace vitrine::test
