#!/usr/bin/env bash
# Fails when gen/ differs from what `make gen` (scripts/gen.sh) would write now.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
"$root/scripts/gen.sh" "$fresh"
if ! diff -r "$fresh" "$root/gen" >"$fresh.diff" 2>&1; then
  echo "gen/ is stale or was edited by hand; run 'make gen' and commit the result:" >&2
  head -50 "$fresh.diff" >&2
  rm -f "$fresh.diff"
  exit 1
fi
rm -f "$fresh.diff"
echo "gen/ matches idl/vitrine.thrift"
