#!/usr/bin/env bash
# The built-in example: everything cccd does, on emulated cards, through
# the real pcscd. It grows with the project.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=./bin/cccd
out=${DEMO_DIR:-demo}
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }

step "cccd version"
$bin version

step "PC/SC readers seen by pcscd (vpcd adds 'Virtual PCD 00 00' and '00 01')"
$bin readers
