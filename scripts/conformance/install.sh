#!/usr/bin/env bash
# Installs what scripts/conformance/check_openapi.py needs: PyYAML and jsonschema (with Draft 2020-12).
set -euo pipefail
exec "$(dirname "$0")/../pip-install.sh" conformance 'import yaml; from jsonschema import Draft202012Validator' \
    "PyYAML>=6" "jsonschema>=4.18"
