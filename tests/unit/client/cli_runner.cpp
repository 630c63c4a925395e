#include "cli_runner.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace vitrine::test {

ProcessResult runVitrine(const std::vector<std::string>& args, Environment env, const std::string& input) {
  env.try_emplace("VITRINE_ADDRESS", "unix:/nonexistent/vitrine-test.sock");
  std::vector<std::string> argv = {VITRINE_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult result = runProcess(argv, env, input);
  if (result.timedOut) {
    ADD_FAILURE() << VITRINE_CLI_PATH << " ran for more than 60 s; killed\n" << describe(result);
  }
  return result;
}

void expectOneErrorLine(const ProcessResult& result) {
  EXPECT_TRUE(result.err.starts_with("vitrine: ")) << describe(result);
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << describe(result);
  EXPECT_TRUE(result.err.ends_with("\n")) << describe(result);
}

}  // namespace vitrine::test
