#!/usr/bin/env bash
# Installs what scripts/deploy/validate.py needs: PyYAML and kubernetes-validate (Kubernetes schemas bundled,
# so validation works offline).
set -euo pipefail
exec "$(dirname "$0")/../pip-install.sh" deploy 'import yaml, kubernetes_validate' "PyYAML>=6" "kubernetes-validate>=1.30"
