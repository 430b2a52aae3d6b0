#!/usr/bin/env bash
# BM25 benchmark: ragforge's Xapian index (retrieval/bm25_index.h) against a
# brute-force in-memory BM25 scan with the same terms and formula, on a corpus
# made deterministically from WordNet 3.0's nouns (one passage per synset,
# ~82k; Debian package wordnet-base). Prints indexing docs/s and search
# queries/s for both, whether they returned identical top-k hits, and one JSON
# line. Exits non-zero if any query's top k differs.
#
#   scripts/bench-bm25.sh [--queries N] [--top-k K] [--stemmer english|none] [--work DIR]
#
# Environment: BUILD_DIR (default build), WORDNET_DIR (default /usr/share/wordnet).
# Timings are wall-clock on one thread; compare runs on the same machine, idle.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
WORDNET_DIR=${WORDNET_DIR:-/usr/share/wordnet}

[ -f "$WORDNET_DIR/data.noun" ] || { echo "bench-bm25: $WORDNET_DIR/data.noun is missing: install wordnet-base (scripts/setup.sh)" >&2; exit 1; }
[ -f "$BUILD_DIR/build.ninja" ] || cmake -S . -B "$BUILD_DIR" -G Ninja >/dev/null
flock /tmp/ragforge-build.lock cmake --build "$BUILD_DIR" --target bench_bm25 -j2 >/dev/null

echo "bench-bm25: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1 /proc/loadavg)"
exec "$BUILD_DIR/bin/bench_bm25" --wordnet "$WORDNET_DIR" "$@"
