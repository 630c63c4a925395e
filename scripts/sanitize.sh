#!/usr/bin/env bash
# Builds everything with AddressSanitizer, LeakSanitizer and UBSan in
# build-asan/ (the CMake preset `asan`: -DVITRINE_SANITIZE=ON, see
# CMakePresets.json) and runs the whole CTest suite
# there: C++ unit and integration tests, and the pytest suites, whose
# vitrine-server is the instrumented one. Exits non-zero when a test fails
# or when any instrumented process (a test binary, vitrine-server, the
# `vitrine` CLI) wrote a sanitizer report, leaks at exit included.
#
#   scripts/sanitize.sh                  # or: make sanitize
#   scripts/sanitize.sh -R amp_tests     # extra arguments go to ctest
#
# Environment:
#   VITRINE_SANITIZE_BUILD=build-asan    the build tree
#   JOBS=N                               parallel build jobs (default: nproc)
#
# Why reports go to files: a server started by a test is stopped with
# SIGTERM, shuts down cleanly and runs LeakSanitizer at exit, but the
# harnesses (tests/support/server_process.cpp, vitrine.server.LocalServer
# and the suites built on it) do not read its stderr then, and most do not look at
# its exit status. So every process writes its reports to
# build-asan/sanitizer-reports/ (log_path), and this script fails when a
# report is there, whichever test it came from, and prints it.
#
# Leaks in third-party libraries (Qt, fontconfig, Chromium...) are
# suppressed by tests/sanitizers/lsan.supp, each entry with its reason;
# never our code.
set -euo pipefail

# All in one function, so that bash has read the whole script before running
# any of it (editing the file during a long run cannot change what runs).
main() {
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  build=${VITRINE_SANITIZE_BUILD:-$root/build-asan}
  jobs=${JOBS:-$(nproc)}

  "$root/scripts/install-deps.sh"

  # ccache, when there, through CMake's environment default (first configure only).
  if command -v ccache >/dev/null; then
    export CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache
  fi
  # The preset `asan` (CMakePresets.json): VITRINE_SANITIZE=ON; no benchmark
  # programs (they are not tests: nothing here would run them); -O1 -g1, the
  # usual optimisation for ASan and line tables for its stacks (full debug
  # info only makes the build slower); no NDEBUG, so the asserts are checked too.
  (cd "$root" && cmake --preset asan -B "$build" >/dev/null)
  started=$SECONDS
  nice cmake --build "$build" -j "$jobs"
  echo "vitrine: sanitizer build took $((SECONDS - started)) s"

  reports=$build/sanitizer-reports
  rm -rf "$reports"
  mkdir -p "$reports"
  # abort_on_error: a report kills the process at once (a test sees it die).
  # log_path/log_exe_name: reports land in $reports/asan.EXE.PID (see above).
  # detect_stack_use_after_return, check_initialization_order: catch more,
  # cost little here.
  # new_delete_type_mismatch=0: QtWebEngine's Chromium deletes some objects
  # through a base whose size differs from the allocation (it is built
  # without sized-deallocation checks); every report of it was inside
  # libQt6WebEngineCore, and ASan cannot suppress it per library.
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$reports/asan:log_exe_name=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:new_delete_type_mismatch=0"
  export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"
  # The bad-input batteries widen their memory bound under ASan.
  export VITRINE_SANITIZED=1
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan:log_exe_name=1"

  status=0
  started=$SECONDS
  (cd "$build" && ctest --output-on-failure -j 2 --timeout 600 "$@") || status=$?
  echo "vitrine: tests under the sanitizers took $((SECONDS - started)) s"

  mapfile -t found < <(find "$reports" -type f | sort)
  if ((${#found[@]} > 0)); then
    echo "vitrine: ${#found[@]} sanitizer report(s) in $reports:" >&2
    for file in "${found[@]}"; do
      echo "---- $file" >&2
      head -n 80 "$file" >&2
    done
    echo "vitrine: sanitizers FAILED: fix the code (or, for a leak inside a third-party library only, add a commented entry to tests/sanitizers/lsan.supp)" >&2
    exit 1
  fi
  if ((status != 0)); then
    echo "vitrine: tests FAILED under the sanitizers (ctest exit status $status)" >&2
    exit "$status"
  fi
  echo "vitrine: sanitizers found nothing; every test passed in $build"
}

main "$@"; exit
