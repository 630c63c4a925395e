// An environment variable set (or unset) for the life of an object.
#pragma once

#include <optional>
#include <string>

namespace vitrine::test {

/// Sets the environment variable `name` to `value` (nullopt: unsets it) and
/// restores what it was on destruction. For code that reads the environment
/// (the client library's VITRINE_ADDRESS, VITRINE_TOKEN...) and for the
/// commands a test runs, which inherit it. Owns nothing else. Test thread
/// only: setenv(3) is not thread-safe, so no other thread may read the
/// environment meanwhile.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace vitrine::test
