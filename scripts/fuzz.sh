#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang in build-fuzz/ (the
# CMake preset `fuzz`, see CMakePresets.json) and runs
# each for SECONDS (default 60). Exits non-zero if any target crashed (or hit a
# sanitizer report, a leak, a timeout or out-of-memory) and says where the
# input that did it is.
#
#   scripts/fuzz.sh [SECONDS]            # or: make fuzz FUZZ_SECONDS=300
#
# Environment:
#   VITRINE_FUZZ_TARGETS="amp thrift picture"   which targets to run
#   VITRINE_FUZZ_BUILD=build-fuzz               the build tree
#   JOBS=N                                      parallel build jobs (default: nproc)
#
# Each target fuzzes a working corpus in build-fuzz/fuzz/TARGET/corpus, which
# starts as a copy of tests/fuzz/corpus/TARGET and keeps what earlier runs
# found; the source tree is never written. Crash inputs land in
# build-fuzz/fuzz/TARGET/ (crash-*, leak-*, timeout-*, oom-*); reproduce one with
#   build-fuzz/bin/fuzz_TARGET FILE
# and, once fixed, add it to tests/fuzz/regressions/TARGET/ with a unit test.
set -euo pipefail

# All in one function, so that bash has read the whole script before running
# any of it (editing the file during a long run cannot change what runs).
main() {
  seconds=${1:-60}
  if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds < 1)); then
    echo "usage: scripts/fuzz.sh [SECONDS]" >&2
    exit 2
  fi
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  build=${VITRINE_FUZZ_BUILD:-$root/build-fuzz}
  read -r -a targets <<<"${VITRINE_FUZZ_TARGETS:-amp thrift picture}"
  jobs=${JOBS:-$(nproc)}

  # clang and libFuzzer's runtime (Debian: clang, libclang-rt-dev).
  have_libfuzzer() {
    command -v clang++ >/dev/null && command -v clang >/dev/null || return 1
    local dir
    dir=$(clang++ --print-runtime-dir 2>/dev/null) || return 1
    [[ -f "$dir/libclang_rt.fuzzer-$(uname -m).a" ]]
  }
  # What the build needs plus clang and libFuzzer; installs only what is missing.
  "$root/scripts/install-deps.sh" fuzz
  have_libfuzzer || { echo "vitrine: clang++ cannot find libFuzzer (libclang_rt.fuzzer)" >&2; exit 1; }

  # The preset `fuzz`: clang, and the fuzz targets only (they need Qt
  # Core/Gui and Thrift: no server, tests or QtWebEngine in this tree). The
  # compiler is fixed at the first configure.
  (cd "$root" && cmake --preset fuzz -B "$build" >/dev/null)
  started=$SECONDS
  nice cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}"
  echo "vitrine: fuzz build took $((SECONDS - started)) s"
  started=$SECONDS

  # Sanitizer reports are crashes, with a stack; leaks are checked per input by libFuzzer.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

  failed=()
  for target in "${targets[@]}"; do
    binary="$build/bin/fuzz_$target"
    seeds="$root/tests/fuzz/corpus/$target"
    work="$build/fuzz/$target"
    mkdir -p "$work/corpus"
    # Inputs that once crashed (tests/fuzz/regressions/TARGET) must pass first.
    regressions=("$root/tests/fuzz/regressions/$target"/*)
    if [[ -f "${regressions[0]}" ]]; then
      if ! "$binary" "${regressions[@]}" >"$work/regressions.log" 2>&1; then
        failed+=("$target")
        echo "vitrine: fuzz_$target fails on a regression input (log: $work/regressions.log):" >&2
        grep -E 'Running:' "$work/regressions.log" | tail -n 1 >&2 || true
        continue
      fi
      echo "vitrine: fuzz_$target passes its ${#regressions[@]} regression input(s)"
    fi
    cp -n "$seeds"/* "$work/corpus/" 2>/dev/null || true
    dict=()
    [[ -f "$root/tests/fuzz/$target.dict" ]] && dict=(-dict="$root/tests/fuzz/$target.dict")
    marker="$work/.started"
    touch "$marker"
    echo "vitrine: fuzzing $target for ${seconds}s (log: $work/fuzz.log)"
    status=0
    # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: libFuzzer's default, stated.
    nice "$binary" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" >"$work/fuzz.log" 2>&1 || status=$?
    # The last status line: runs, coverage (cov), features (ft), corpus, exec/s.
    grep -E '^#[0-9]+' "$work/fuzz.log" | tail -n 1 || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$work/fuzz.log" || true
    if ((status != 0)); then
      failed+=("$target")
      echo "vitrine: fuzz_$target FAILED (exit status $status); the report:" >&2
      grep -E -m 1 -A 40 '^==[0-9]+==ERROR|runtime error:|fuzz check failed|^==[0-9]+== ERROR|deadly signal|-timeout|out-of-memory' \
        "$work/fuzz.log" >&2 || tail -n 40 "$work/fuzz.log" >&2
      found=$(find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) -newer "$marker")
      if [[ -n "$found" ]]; then
        echo "vitrine: the input is in:" >&2
        echo "$found" | sed 's/^/  /' >&2
        echo "vitrine: reproduce with: $binary FILE" >&2
      fi
    fi
  done

  echo "vitrine: fuzz runs took $((SECONDS - started)) s"
  if ((${#failed[@]} > 0)); then
    echo "vitrine: fuzzing found problems in: ${failed[*]}" >&2
    exit 1
  fi
  echo "vitrine: fuzzing found nothing (${targets[*]}, ${seconds}s each)"
}

main "$@"; exit
