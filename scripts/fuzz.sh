#!/usr/bin/env bash
# Fuzzes the override parser and the YAML loader with libFuzzer (ASan+UBSan,
# leak checks on) for a bounded time: FUZZ_SECONDS per target (default 150,
# so 5 minutes for both). Seeds come from the Hydra conformance data.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${FUZZ_SECONDS:-150}
if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz.sh: installing clang and libFuzzer from apt"
  ${SUDO:-$( [ "$(id -u)" -ne 0 ] && echo sudo )} env DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang libclang-rt-dev
fi
./scripts/setup.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRAGFORGE_FUZZ=ON -DRAGFORGE_WITH_TORCH=OFF -DRAGFORGE_BUILD_TESTS=OFF -DRAGFORGE_WERROR=OFF >/dev/null
cmake --build build-fuzz --target fuzz_override_parser fuzz_yaml_loader -j "$(nproc)"

corpus=build-fuzz/corpus
mkdir -p "$corpus/override" "$corpus/yaml"
# Seeds: the override strings and config files of the conformance data.
grep -o '"input": "[^"]*"' tests/data/hydra/override_vectors.jsonl | sed 's/^"input": "//; s/"$//' |
  split -l 1 - "$corpus/override/seed_"
i=0
for f in $(find tests/data/hydra/compose -name '*.yaml'); do cp "$f" "$corpus/yaml/seed_$i.yaml"; i=$((i+1)); done

status=0
for target in fuzz_override_parser fuzz_yaml_loader; do
  if [ "$target" = fuzz_override_parser ]; then dir=$corpus/override; else dir=$corpus/yaml; fi
  echo "fuzz.sh: $target for ${SECONDS_PER_TARGET}s"
  if ! ./build-fuzz/tests/fuzz/$target "$dir" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
       -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 2>build-fuzz/$target.log; then
    status=1
    echo "fuzz.sh: $target FOUND A PROBLEM; see build-fuzz/$target.log and the crash-* file" >&2
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^#[0-9]+.*DONE' build-fuzz/$target.log || true
done
exit $status
