#!/usr/bin/env bash
# Installs the llama.cpp peer of make bench-decoder: llama-cpp-python built from its source distribution (PyPI
# ships no Linux wheel), with llama.cpp tuned for this machine's CPU (GGML_NATIVE), as a user of it would.
# Idempotent: does nothing when `import llama_cpp` works. Needs cmake and a C++ compiler (installed with apt-get).
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION="0.3.36"
python3 -c "import llama_cpp" 2>/dev/null && exit 0
scripts/setup.sh --packages cmake g++ ninja-build
echo "install_llama_cpp: building llama-cpp-python==$VERSION from source (several minutes on 2 cores)"
CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    python3 -m pip install --quiet --no-binary llama-cpp-python "llama-cpp-python==$VERSION"
python3 -c "import llama_cpp; print('install_llama_cpp: llama_cpp', llama_cpp.__version__)"
