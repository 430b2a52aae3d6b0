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

# GCC links `-static` programs with crtbeginT.o, which registers the whole
# .eh_frame with the unwinder, and without an .eh_frame_hdr search table, so
# the first exception sorts every FDE: 19 M instructions, 3 ms, on every
# config error. The dynamic-executable start files (crtbegin.o) plus
# --eh-frame-hdr give the unwinder its binary-search table instead.
set(RAGFORGE_STATIC_START_FILES "")
foreach(file crt1.o crti.o crtbegin.o crtend.o crtn.o)
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${file}
                  OUTPUT_VARIABLE path OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT IS_ABSOLUTE "${path}" OR NOT EXISTS "${path}" OR path MATCHES " ")
    set(RAGFORGE_STATIC_START_FILES "")
    break()
  endif()
  list(APPEND RAGFORGE_STATIC_START_FILES ${path})
endforeach()

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
  if(RAGFORGE_STATIC_START_FILES)
    list(SUBLIST RAGFORGE_STATIC_START_FILES 0 3 first)  # crt1.o crti.o crtbegin.o
    list(SUBLIST RAGFORGE_STATIC_START_FILES 3 2 last)   # crtend.o crtn.o, after everything
    target_link_options(${target} PRIVATE -nostartfiles LINKER:--eh-frame-hdr ${first})
    list(JOIN last " " last)
    set_target_properties(${target} PROPERTIES RULE_LAUNCH_LINK
      "${PROJECT_SOURCE_DIR}/cmake/link-with-end-files.sh ${last} --")
  endif()
  # front/prefault_at_entry.cpp and front/prefaulted_heap.cpp: map the pages
  # start-up touches in a few system calls instead of ~75 faults.
  target_compile_definitions(${target} PRIVATE RAGFORGE_FRONT_PREFAULT=1)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    target_link_options(${target} PRIVATE LINKER:-e,ragforge_entry)
  endif()
endfunction()
