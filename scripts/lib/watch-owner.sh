#!/usr/bin/env bash
# Stops a server whose owner died without stopping it (a test killed by its timeout
# runs no cleanup): waits while both OWNER_PID and SERVER_PID live, then, if the server
# still runs, runs STOP_COMMAND. Started detached by the start scripts; exits by itself
# when the server stops first.
set -euo pipefail
usage() { echo "usage: $0 OWNER_PID SERVER_PID STOP_COMMAND..." >&2; exit 2; }
[[ $# -ge 3 && $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] || usage
source "$(dirname "$0")/common.sh"
owner=$1 server=$2
shift 2
while alive "$owner" && alive "$server"; do sleep 2; done
if alive "$server"; then
  log "owner $owner exited leaving $server running: $*"
  "$@"
fi
