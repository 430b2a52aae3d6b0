#!/usr/bin/env bash
# Run ON THE GPU MACHINE (pip PyTorch with CUDA, CMake, ninja, nvcc; no package
# registry). Builds ragforge against pip's LibTorch and .gpu-bundle/ (made here
# by scripts/gpu-bundle.sh), then runs the test suite and the CUDA smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .gpu-bundle/bundle.tar.xz ] || { echo "gpu-build: no .gpu-bundle/bundle.tar.xz; run scripts/gpu-bundle.sh on a Debian machine and carry .gpu-bundle" >&2; exit 1; }
[ -d .gpu-bundle/root ] || tar xJf .gpu-bundle/bundle.tar.xz -C .gpu-bundle
[ -e third_party_npm ] || ln -s .gpu-bundle/third_party_npm third_party_npm
BUNDLE=$PWD/.gpu-bundle/root/usr
PY=${PYTHON:-python3}
TORCH_PREFIX=$($PY -c 'import torch; print(torch.utils.cmake_prefix_path)')
export LD_LIBRARY_PATH=$BUNDLE/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;$BUNDLE;$BUNDLE/lib/x86_64-linux-gnu/cmake;$BUNDLE/share/cmake" \
  -DRAGFORGE_BUNDLE_DIR="$BUNDLE" \
  -DCMAKE_CUDA_COMPILER="${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}" "$@"
cmake --build build-gpu -j "$(nproc)"
./build-gpu/bin/ragforge --version
./build-gpu/bin/ragforge smoke
ctest --test-dir build-gpu --output-on-failure -j "$(nproc)"
