#!/bin/sh
# RULE_LAUNCH_LINK helper (cmake/FastStart.cmake): runs the link command
# given after `--` with the files before it appended, so they come last on
# the command line (crtend.o and crtn.o must follow every other object).
#   link-with-end-files.sh END_FILE... -- LINK_COMMAND...
set -e
ends=""
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do ends="$ends $1"; shift; done
[ "$#" -gt 0 ] || { echo "link-with-end-files.sh: no -- before the link command" >&2; exit 2; }
shift
# shellcheck disable=SC2086  # the end files are paths without spaces (checked by CMake)
exec "$@" $ends
