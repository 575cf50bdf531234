#!/usr/bin/env bash
# Shuts down the container scripts/systemd/start.sh booted in WORKDIR (its systemd
# powers off on systemd-nspawn's SIGTERM; after 30 s its init and systemd-nspawn are
# killed) and waits until it is gone. Nothing to stop is not an error.
set -euo pipefail
usage() { echo "usage: $0 WORKDIR" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
source "$(dirname "$0")/../lib/common.sh"

source "$(dirname "$0")/container.sh"
leader=$(nspawn_of "$(machine_name "$1")") || exit 0
[[ -n $leader ]] || exit 0
init=$(container_init "$leader") || init=''
not_alive() { ! alive "$1"; }
kill -TERM "$leader" 2>/dev/null || true
wait_until 30 not_alive "$leader" || {
  # SIGKILL to a PID namespace's init ends every process in it.
  [[ -n $init ]] && kill -KILL "$init" 2>/dev/null
  kill -KILL "$leader" 2>/dev/null || true
  wait_until 10 not_alive "$leader"
}
