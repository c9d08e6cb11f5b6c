#!/usr/bin/env bash
# Installs what the browser tests need: Debian's headless Chromium and its WebDriver, and selenium from PyPI.
# Idempotent and offline once done.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh --packages chromium chromium-driver
scripts/pip-install.sh ui 'import selenium' 'selenium>=4.20,<5'
