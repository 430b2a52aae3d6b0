# Regenerates git_version.cpp on every build, touching it only when the commit
# or dirty state changes, so incremental builds stay incremental.
set(RAGFORGE_GIT_VERSION_CPP ${CMAKE_BINARY_DIR}/generated/git_version.cpp)
add_custom_target(ragforge_git_version ALL
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
          -DOUTPUT=${RAGFORGE_GIT_VERSION_CPP}
          -DVERSION=${PROJECT_VERSION}
          -P ${CMAKE_SOURCE_DIR}/cmake/WriteGitVersion.cmake
  BYPRODUCTS ${RAGFORGE_GIT_VERSION_CPP}
  COMMENT "Checking git commit")
