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
endif()
find_package(yaml-cpp REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CURL REQUIRED)
# re2 ships only a pkg-config file on Debian; fall back to a plain search
# where pkg-config is absent (the GPU image).
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND AND NOT RAGFORGE_BUNDLE_DIR)
  pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
else()
  find_path(RE2_INCLUDE_DIR re2/re2.h REQUIRED)
  find_library(RE2_LIBRARY re2 REQUIRED)
  add_library(PkgConfig::RE2 INTERFACE IMPORTED)
  target_include_directories(PkgConfig::RE2 SYSTEM INTERFACE ${RE2_INCLUDE_DIR})
  target_link_libraries(PkgConfig::RE2 INTERFACE ${RE2_LIBRARY})
endif()
# libyaml: the YAML 1.1 parser PyYAML itself is built on, so configs load
# exactly as Hydra loads them (yaml-cpp follows YAML 1.2 and differs).
if(PKG_CONFIG_FOUND AND NOT RAGFORGE_BUNDLE_DIR)
  pkg_check_modules(LIBYAML REQUIRED IMPORTED_TARGET yaml-0.1)
else()
  find_path(LIBYAML_INCLUDE_DIR yaml.h REQUIRED)
  find_library(LIBYAML_LIBRARY yaml REQUIRED)
  add_library(PkgConfig::LIBYAML INTERFACE IMPORTED)
  target_include_directories(PkgConfig::LIBYAML SYSTEM INTERFACE ${LIBYAML_INCLUDE_DIR})
  target_link_libraries(PkgConfig::LIBYAML INTERFACE ${LIBYAML_LIBRARY})
endif()
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
# Debian's yaml-cpp config names its target yaml-cpp; newer ones yaml-cpp::yaml-cpp.
if(TARGET yaml-cpp::yaml-cpp)
  set(RAGFORGE_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(RAGFORGE_YAML_TARGET yaml-cpp)
endif()
