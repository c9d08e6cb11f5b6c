#!/usr/bin/env bash
# Installs PyPI packages for a checker script unless a Python statement already proves them present.
# Idempotent: when CHECK runs, it does nothing and needs no network.
#   scripts/pip-install.sh NAME 'import yaml' 'PyYAML>=6' ...
set -euo pipefail
name=${1:?name} check=${2:?python statement}; shift 2
packages=("$@")

say() { printf '%s/install: %s\n' "$name" "$*"; }
die() { printf '%s/install: error: %s\n' "$name" "$*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 not found (Debian: apt-get install python3)"
python3 -c "$check" 2>/dev/null && exit 0
python3 -m pip --version >/dev/null 2>&1 || die "pip is missing for python3 (Debian: apt-get install python3-pip)"

say "installing: ${packages[*]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! python3 -m pip install --quiet "${packages[@]}" 2>"$log"; then
    # A Debian system Python refuses pip installs into it (PEP 668): install for this user instead.
    grep -q "externally-managed-environment" "$log" || { cat "$log" >&2; die "pip install ${packages[*]} failed (network or index settings?)"; }
    say "the system Python is externally managed; installing with --user --break-system-packages"
    python3 -m pip install --quiet --user --break-system-packages "${packages[@]}" || die "pip install --user ${packages[*]} failed"
fi
python3 -c "$check" || die "packages installed but '$check' still fails"
say "done"
