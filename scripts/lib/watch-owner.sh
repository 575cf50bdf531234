#!/usr/bin/env bash
# Stops what a test started when the test died without stopping it (a test killed by
# its timeout runs no cleanup): waits while OWNER_PID lives, then runs STOP_COMMAND if
# SERVER_PID still runs, or always when SERVER_PID is 0 (what it guards can outlive
# the server: a private libvirtd's QEMU guests and network namespace). The stop
# commands are idempotent. Started detached by the start scripts.
set -euo pipefail
usage() { echo "usage: $0 OWNER_PID SERVER_PID|0 STOP_COMMAND..." >&2; exit 2; }
[[ $# -ge 3 && $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] || usage
source "$(dirname "$0")/common.sh"
owner=$1 server=$2
shift 2
while alive "$owner"; do sleep 2; done
if [[ $server == 0 ]] || alive "$server"; then
  "$@"
fi
