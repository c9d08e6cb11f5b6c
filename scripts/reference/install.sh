#!/usr/bin/env bash
# Installs the Python reference stack used by scripts/reference/*.py and scripts/bench/*.py
# (golden fixtures, ONNX export, side-by-side benchmark). Idempotent: when the packages already
# import, it does nothing and needs no network.
#
#   scripts/reference/install.sh
#
# torch installs offline from pip's configured find-links folder (/opt/wheels); the other
# packages come from the configured package index. Versions are pinned to the ones the
# fixtures in Tests/Fixtures were generated with (see Tests/Fixtures/README.md).
set -euo pipefail

PACKAGES=(
    "torch==2.13.0"
    "tokenizers==0.23.3"
    "onnxruntime==1.32.0"
    "onnx==1.23.2"
    "sentence-transformers==6.2.0"
    "transformers==5.24.0"
    "safetensors"
    "numpy"
    "scipy"
    "gguf==0.19.0"
    "accelerate==1.16.0"
)
CHECK='import torch, tokenizers, onnxruntime, sentence_transformers, onnx, safetensors, numpy, scipy, gguf, accelerate'

say() { printf 'reference/install: %s\n' "$*"; }
die() { printf 'reference/install: error: %s\n' "$*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 not found; install Python 3.11 first"

if python3 -c "$CHECK" 2>/dev/null; then
    say "reference packages already installed"
    exit 0
fi

python3 -m pip --version >/dev/null 2>&1 || die "pip is missing for python3 (Debian: apt-get install python3-pip)"

say "installing: ${PACKAGES[*]}"
python3 -m pip install --quiet "${PACKAGES[@]}" || die "pip install failed. torch==2.13.0 must be available in pip's \
find-links folder (pip config list: global.find-links); the other packages need the package index. Command was: \
python3 -m pip install ${PACKAGES[*]}"

python3 -c "$CHECK" || die "packages installed but '$CHECK' still fails"
say "done"
