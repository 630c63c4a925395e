#!/usr/bin/env bash
# Regenerates everything under gen/ from idl/vitrine.thrift.
#
#   scripts/gen.sh            # rewrite gen/ in place (what `make gen` runs)
#   scripts/gen.sh OUTDIR     # write the same tree under OUTDIR instead
#
# gen/cpp/vitrine/api  C++: cob-style server interfaces and the sync client
# gen/py/vitrine_thrift Python types and client
# gen/amp/vitrine_amp.json  the resolved AMP schema: every command, key, type,
#                      default, fixed value, answer key and error code, with
#                      every mapping rule applied (read by the server's AMP bridge)
# gen/amp/vitrine_amp_commands.py  Twisted amp.Command classes for every command
#                      (shipped as vitrine.amp_commands)
# Both gen/amp files come from scripts/gen_amp_commands.py, the one place that
# applies the AMP mapping rules (docs/amp.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/gen}
idl=$root/idl/vitrine.thrift

command -v thrift >/dev/null || { echo "gen: thrift not found (run scripts/install-deps.sh)" >&2; exit 1; }
python=${PYTHON:-python3}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/cpp/vitrine/api" "$tmp/py" "$tmp/amp" "$tmp/json" "$tmp/xml"
thrift --gen cpp:cob_style,moveable_types,no_skeleton -out "$tmp/cpp/vitrine/api" "$idl"
thrift --gen py -out "$tmp/py" "$idl"
thrift --gen json -out "$tmp/json" "$idl"
# Thrift 0.17's JSON types enum fields as plain i32; its XML says which are
# enums. Neither is kept: the resolved schema says everything the server needs.
thrift --gen xml -out "$tmp/xml" "$idl"
"$python" "$root/scripts/gen_amp_commands.py" "$tmp/json/vitrine.json" --thrift-xml "$tmp/xml/vitrine.xml" \
  --serve Vitrine --callbacks VitrineEvents \
  --resolved-schema "$tmp/amp/vitrine_amp.json" -o "$tmp/amp/vitrine_amp_commands.py"
# The Python generator writes a top-level __init__.py beside the package: not ours to ship.
rm -f "$tmp/py/__init__.py"

for part in cpp py amp; do
  rm -rf "${out:?}/$part"
  mkdir -p "$out"
  cp -r "$tmp/$part" "$out/$part"
done
