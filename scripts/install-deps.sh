#!/usr/bin/env bash
# Installs the Debian 12 packages vitrine needs to build, run and test,
# and only those that are missing. Uses sudo when not run as root.
#
#   scripts/install-deps.sh          # everything (build, run, test)
#   scripts/install-deps.sh fuzz     # that, plus clang and libFuzzer for scripts/fuzz.sh
#   VITRINE_DEPS_DRY_RUN=1 scripts/install-deps.sh   # print what is missing
set -euo pipefail

packages=(
  # build
  cmake g++ make pkg-config
  # Thrift: compiler, C++ library, Python runtime (which imports six)
  thrift-compiler libthrift-dev python3-thrift python3-six
  # Qt 6 with the web engine; fonts so offscreen text renders
  qt6-base-dev qt6-webengine-dev libgl-dev fonts-dejavu-core
  # the CLI parses its options with Boost.Program_options
  libboost-program-options-dev
  # TLS (tls: listeners, the client library's tls: endpoints); the openssl command makes the tests' certificates
  libssl-dev openssl
  # tests (every one of them: a test that cannot find what it needs fails, it does not skip)
  libgtest-dev python3-pytest python3-pil xvfb xauth xdotool
  python3-pyflakes  # the generated AMP commands must pass pyflakes (tests/python_package/test_amp_commands.py)
  python3-mypy     # the Python package's type check (clients/python/mypy.ini, the python_package_types test)
  python3-numpy python3-venv  # the Python package's tests: numpy pictures, pip install into a venv
  python3-twisted  # the AMP peer of the tests (vitrine.amp_commands round trips)
  python3-openssl python3-service-identity  # Twisted's TLS (AMP over tls:, tests/amp/test_tls.py)
  libevent-dev     # bench/: Thrift's TNonblockingServer baseline (libthriftnb needs it)
)
# `fuzz`: clang and its libFuzzer runtime (only recommended by clang, so named here).
if [[ "${1:-}" == fuzz ]]; then
  packages+=(clang libclang-rt-dev)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "vitrine: installing missing packages: ${missing[*]}" >&2
if [[ -n "${VITRINE_DEPS_DRY_RUN:-}" ]]; then
  exit 0
fi

sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "vitrine: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# An outdated package list cannot find anything: refresh it first.
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
