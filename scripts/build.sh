#!/usr/bin/env bash
# Configures (once) and builds ragforge into build/ with Ninja and ccache.
# Extra arguments go to the CMake configure step, e.g. -DRAGFORGE_WERROR=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
# ccache must ignore the PCH's timestamps and __DATE__ to hit across clean builds.
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
if [ ! -f "$BUILD_DIR/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja "$@"
fi
cmake --build "$BUILD_DIR" -j "${JOBS:-$(nproc)}"
