#!/usr/bin/env bash
# Installs what scripts/deploy/validate.py needs: PyYAML and kubernetes-validate (Kubernetes schemas bundled,
# so validation works offline). Idempotent: when both import, it does nothing and needs no network.
set -euo pipefail

PACKAGES=("PyYAML>=6" "kubernetes-validate>=1.30")
CHECK='import yaml, kubernetes_validate'

say() { printf 'deploy/install: %s\n' "$*"; }
die() { printf 'deploy/install: error: %s\n' "$*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 not found (Debian: apt-get install python3)"
python3 -c "$CHECK" 2>/dev/null && exit 0
python3 -m pip --version >/dev/null 2>&1 || die "pip is missing for python3 (Debian: apt-get install python3-pip)"

say "installing: ${PACKAGES[*]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! python3 -m pip install --quiet "${PACKAGES[@]}" 2>"$log"; then
    # A Debian system Python refuses pip installs into it (PEP 668): install for this user instead.
    grep -q "externally-managed-environment" "$log" || { cat "$log" >&2; die "pip install ${PACKAGES[*]} failed (network or index settings?)"; }
    say "the system Python is externally managed; installing with --user --break-system-packages"
    python3 -m pip install --quiet --user --break-system-packages "${PACKAGES[@]}" || die "pip install --user ${PACKAGES[*]} failed"
fi
python3 -c "$CHECK" || die "packages installed but '$CHECK' still fails"
say "done"
