# Every third-party dependency is found here, in one place.
# On Debian they come from apt (scripts/setup.sh); on a GPU machine from pip's
# LibTorch plus the bundle made by scripts/gpu-bundle.sh (see scripts/gpu-build.sh).

find_package(Torch REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CURL REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# libyaml: the YAML 1.1 parser PyYAML itself is built on, so configs load
# exactly as Hydra loads them (yaml-cpp follows YAML 1.2 and differs).
pkg_check_modules(LIBYAML REQUIRED IMPORTED_TARGET yaml-0.1)
find_package(Threads REQUIRED)
if(RAGFORGE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()

# Torch reports CUDA through Caffe2's config; pip wheels also define torch_cuda.
if(CAFFE2_USE_CUDA OR TARGET torch_cuda)
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
