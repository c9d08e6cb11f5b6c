#!/usr/bin/env bash
# Installs what scripts/conformance/check_openapi.py needs: PyYAML and jsonschema (with Draft 2020-12).
# Idempotent: when both already import, it does nothing and needs no network.
#
#   scripts/conformance/install.sh
set -euo pipefail

PACKAGES=("PyYAML>=6" "jsonschema>=4.18")
CHECK='import yaml; from jsonschema import Draft202012Validator'

say() { printf 'conformance/install: %s\n' "$*"; }
die() { printf 'conformance/install: error: %s\n' "$*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 not found (Debian: apt-get install python3)"

if python3 -c "$CHECK" 2>/dev/null; then
    exit 0
fi

python3 -m pip --version >/dev/null 2>&1 || die "pip is missing for python3 (Debian: apt-get install python3-pip)"

say "installing: ${PACKAGES[*]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! python3 -m pip install --quiet "${PACKAGES[@]}" 2>"$log"; then
    # A Debian system Python refuses pip installs into it (PEP 668): install for this user instead.
    grep -q "externally-managed-environment" "$log" || { cat "$log" >&2; die "pip install ${PACKAGES[*]} failed (network or index settings?)"; }
    say "the system Python is externally managed; installing with --user --break-system-packages"
    python3 -m pip install --quiet --user --break-system-packages "${PACKAGES[@]}" \
        || die "pip install --user ${PACKAGES[*]} failed (or: apt-get install python3-yaml python3-jsonschema)"
fi

python3 -c "$CHECK" || die "packages installed but '$CHECK' still fails"
say "done"
