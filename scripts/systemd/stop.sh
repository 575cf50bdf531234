#!/usr/bin/env bash
# Shuts down the container scripts/systemd/start.sh booted in WORKDIR (its systemd
# powers off on systemd-nspawn's SIGTERM; after 30 s its init and systemd-nspawn are
# killed) and waits until it is gone. Nothing to stop is not an error.
set -euo pipefail
usage() { echo "usage: $0 WORKDIR" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
source "$(dirname "$0")/../lib/common.sh"

# Found by its machine name (made from WORKDIR's name as start.sh makes it), so that a
# WORKDIR already deleted still stops its container.
name=$(basename "$1" | tr -c 'a-zA-Z0-9-\n' '-' | tail -c 40)
leader=$(pgrep -f -- "^systemd-nspawn .*--machine=$name " | head -1) || exit 0
init=$(pgrep -P "$leader" | head -1) || true
not_alive() { ! alive "$1"; }
kill -TERM "$leader" 2>/dev/null || true
wait_until 30 not_alive "$leader" || {
  # SIGKILL to a PID namespace's init ends every process in it.
  [[ -n $init ]] && kill -KILL "$init" 2>/dev/null
  kill -KILL "$leader" 2>/dev/null || true
  wait_until 10 not_alive "$leader"
}
