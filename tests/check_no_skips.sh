#!/usr/bin/env bash
# Fails when a test in tests/ can skip: a test that cannot find what it needs
# must fail, not skip (a skipped suite would leave CI green without having
# run). The pytest suites also turn any skip that slips through into a
# failure at run time (tests/pysupport/vitrine_no_skips.py); GoogleTest has
# no such switch, and ctest counts a GTEST_SKIP as "Skipped", not failed, so
# this check is what keeps GTEST_SKIP out.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pattern='GTEST_SKIP|pytest\.skip\(|importorskip|mark\.skip|skipif|unittest\.skip|SkipTest|xfail'
if found=$(grep -rnE --include='*.py' --include='*.cpp' --include='*.h' "$pattern" "$root/tests" \
             | grep -v "^$root/tests/pysupport/vitrine_no_skips.py:"); then
  echo "tests must fail, not skip, when something is missing; these can skip:" >&2
  echo "$found" | sed "s|^$root/||" >&2
  exit 1
fi
echo "no test in tests/ can skip"
