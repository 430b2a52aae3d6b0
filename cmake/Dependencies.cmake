# Every third-party dependency is found here, in one place.
# On Debian they come from apt (scripts/setup.sh); on a GPU machine from pip's
# LibTorch plus the bundle made by scripts/gpu-bundle.sh (see scripts/gpu-build.sh).

# A GPU machine without a package registry builds against the Debian packages
# unpacked by scripts/gpu-bundle.sh; their headers live under the bundle.
if(RAGFORGE_BUNDLE_DIR)
  include_directories(SYSTEM ${RAGFORGE_BUNDLE_DIR}/include)
  list(APPEND CMAKE_PREFIX_PATH ${RAGFORGE_BUNDLE_DIR})
endif()

if(RAGFORGE_WITH_TORCH)
  find_package(Torch REQUIRED)
  # pip's libtorch_cpu exports its own static copy of libstdc++'s
  # std::filesystem (pytorch#133437). Loaded before libstdc++, those older
  # symbols win and crash code built by a newer GCC; naming libstdc++ first
  # puts it ahead in the load order.
  list(PREPEND TORCH_LIBRARIES stdc++)
endif()
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CURL REQUIRED)
# re2 and libyaml ship only pkg-config files on Debian; fall back to a plain
# search where pkg-config is absent (the GPU image).
# libyaml is the YAML 1.1 parser PyYAML is a port of, so configs load exactly
# as Hydra loads them (yaml-cpp follows YAML 1.2 and differs on scalars,
# folding and errors).
find_package(PkgConfig QUIET)
# Extra arguments are subdirectories of include/ that may hold the header
# (cairo's is include/cairo/cairo.h).
function(ragforge_find_c_library target pc_name header lib)
  if(PKG_CONFIG_FOUND AND NOT RAGFORGE_BUNDLE_DIR)
    pkg_check_modules(${target} REQUIRED IMPORTED_TARGET ${pc_name})
  else()
    find_path(${target}_INCLUDE_DIR ${header} PATH_SUFFIXES ${ARGN} REQUIRED)
    find_library(${target}_LIBRARY ${lib} REQUIRED)
    add_library(PkgConfig::${target} INTERFACE IMPORTED GLOBAL)
    target_include_directories(PkgConfig::${target} SYSTEM INTERFACE ${${target}_INCLUDE_DIR})
    target_link_libraries(PkgConfig::${target} INTERFACE ${${target}_LIBRARY})
  endif()
endfunction()
ragforge_find_c_library(RE2 re2 re2/re2.h re2)
ragforge_find_c_library(LIBYAML yaml-0.1 yaml.h yaml)
# The config engine's YAML parser. Shared libraries link it shared; an
# executable with the RAGFORGE_STATIC_YAML property (cmake/FastStart.cmake)
# links the static archive, which is not position independent.
find_library(RAGFORGE_LIBYAML_ARCHIVE libyaml.a)
set(_static_yaml "$<BOOL:$<TARGET_PROPERTY:RAGFORGE_STATIC_YAML>>")
add_library(ragforge_yaml INTERFACE)
target_link_libraries(ragforge_yaml INTERFACE
  "$<$<NOT:${_static_yaml}>:PkgConfig::LIBYAML>" "$<${_static_yaml}:${RAGFORGE_LIBYAML_ARCHIVE}>")
target_include_directories(ragforge_yaml SYSTEM INTERFACE
  $<TARGET_PROPERTY:PkgConfig::LIBYAML,INTERFACE_INCLUDE_DIRECTORIES>)
# ICU: Unicode normalization (NFC/NFKC) and character properties for tokenizers.
ragforge_find_c_library(ICU icu-uc unicode/utypes.h icuuc)
# cairo draws `ragforge plot`'s charts (lines, dashes, text) and encodes PNG:
# a well-kept 2D library rather than a hand-written rasterizer and encoder.
ragforge_find_c_library(CAIRO cairo cairo.h cairo cairo)
# Xapian: BM25 retrieval over a local corpus (`ragforge index`, the Retriever
# processing step) from a well-kept search engine library, with no server.
ragforge_find_c_library(XAPIAN xapian-core xapian.h xapian)
find_package(Threads REQUIRED)
if(RAGFORGE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()

# Torch reports CUDA through Caffe2's config; pip wheels also define torch_cuda.
if(RAGFORGE_WITH_TORCH AND (CAFFE2_USE_CUDA OR TARGET torch_cuda))
  set(RAGFORGE_WITH_CUDA ON)
  enable_language(CUDA)
  message(STATUS "ragforge: Torch has CUDA; building kernels/")
else()
  set(RAGFORGE_WITH_CUDA OFF)
  message(STATUS "ragforge: CPU-only Torch; kernels/ skipped")
endif()

# NCCL comes with a CUDA LibTorch (torch_cuda links it); nothing to find separately.
