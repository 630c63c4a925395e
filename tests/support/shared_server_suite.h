// A GoogleTest fixture whose tests share one vitrine-server.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "support/server_process.h"

namespace vitrine::test {

/// A test suite sharing one ServerProcess, started before its first test
/// with `Suite::serverArgs()` and stopped after its last (CRTP: `class Stage
/// : public SharedServerSuite<Stage>`). Each test case that ctest runs in a
/// process of its own (gtest_discover_tests) gets a server of its own.
/// Header-only, so the support library itself needs no GoogleTest.
template <class Suite>
class SharedServerSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<ServerProcess>(Suite::serverArgs()); }
  static void TearDownTestSuite() { server_.reset(); }
  static inline std::unique_ptr<ServerProcess> server_;
};

}  // namespace vitrine::test
