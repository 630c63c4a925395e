#!/usr/bin/env bash
# Regenerates everything under gen/ from idl/vitrine.thrift.
#
#   scripts/gen.sh            # rewrite gen/ in place (what `make gen` runs)
#   scripts/gen.sh OUTDIR     # write the same tree under OUTDIR instead
#
# gen/cpp/vitrine/api  C++: cob-style server interfaces and the sync client
# gen/py/vitrine_thrift Python types and client
# gen/amp/vitrine.json the IDL as JSON, annotations included, enum types restored
#                      (read by the AMP bridge; see below)
# gen/amp/vitrine_amp_commands.py  Twisted amp.Command classes for every command
#                      (scripts/gen_amp_commands.py; shipped as vitrine.amp_commands)
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
# Thrift 0.17's JSON types enum fields as plain i32; its XML (not kept) says
# which are enums. The kept JSON has them restored in the form later Thrift
# versions write ("typeId": "enum" with the enum's class).
thrift --gen xml -out "$tmp/xml" "$idl"
"$python" "$root/scripts/gen_amp_commands.py" "$tmp/json/vitrine.json" --thrift-xml "$tmp/xml/vitrine.xml" \
  --write-schema "$tmp/amp/vitrine.json" -o "$tmp/amp/vitrine_amp_commands.py"
# The Python generator writes a top-level __init__.py beside the package: not ours to ship.
rm -f "$tmp/py/__init__.py"

for part in cpp py amp; do
  rm -rf "${out:?}/$part"
  mkdir -p "$out"
  cp -r "$tmp/$part" "$out/$part"
done
