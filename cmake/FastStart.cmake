# Start-up of the `ragforge` front executable (src/front/).
#
# On this project's VMs a process's start-up is dominated by page faults
# (~15 us each), not by work: `compose --cfg job` took 26 ms and 760 faults
# when the executable linked cairo and libcurl, and the dynamic loader alone
# maps and relocates libc and libstdc++ (12k relocations). The front is
# therefore linked fully static and not position independent: the kernel
# maps one file and nothing is relocated. It never dlopens anything (it execs
# ragforge-full instead), so a static libc is safe. Figures: README,
# "Start-up"; scripts/bench-config.sh measures them.
include(CheckPIESupported)
check_pie_supported()
find_library(RAGFORGE_LIBC_ARCHIVE libc.a)
find_library(RAGFORGE_LIBSTDCXX_ARCHIVE libstdc++.a
  HINTS ${CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES})

function(ragforge_fast_start target)
  if(RAGFORGE_SANITIZE OR RAGFORGE_FUZZ)
    return()  # the sanitizers need their shared runtimes
  endif()
  if(NOT RAGFORGE_LIBC_ARCHIVE OR NOT RAGFORGE_LIBSTDCXX_ARCHIVE OR NOT RAGFORGE_LIBYAML_ARCHIVE)
    message(STATUS "ragforge: static archives missing (libc.a, libstdc++.a or libyaml.a); "
                   "${target} links dynamically and starts slower")
    return()
  endif()
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF RAGFORGE_STATIC_YAML ON)
  target_link_options(${target} PRIVATE -static)
  target_compile_definitions(${target} PRIVATE RAGFORGE_HEAP_ON_HUGE_PAGE=1)  # front/heap_on_huge_page.cpp
endfunction()
