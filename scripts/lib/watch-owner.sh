#!/usr/bin/env bash
# Stops what a test started when the test died without stopping it (a test killed by
# its timeout runs no cleanup): waits while OWNER_PID lives, then runs STOP_COMMAND.
# The stop commands are idempotent (nothing to stop is not an error), so it runs
# whatever the order of events: also when the server died first, which may have left
# QEMU processes or a network namespace behind. Started detached by the start scripts.
set -euo pipefail
usage() { echo "usage: $0 OWNER_PID STOP_COMMAND..." >&2; exit 2; }
[[ $# -ge 2 && $1 =~ ^[0-9]+$ ]] || usage
source "$(dirname "$0")/common.sh"
owner=$1
shift
while alive "$owner"; do sleep 2; done
"$@"
