# How scripts/systemd/start.sh and stop.sh name and find a container: sourced, never run.
# shellcheck shell=bash

# machine_name WORKDIR: the container's machine name, made from WORKDIR's name, so that
# stop.sh finds the container even when WORKDIR is already deleted.
machine_name() { basename "$1" | tr -c 'a-zA-Z0-9-\n' '-' | tail -c 40; }

# nspawn_of NAME: the PID of the systemd-nspawn running container NAME.
nspawn_of() { pgrep -f -- "^systemd-nspawn .*--machine=$1 " | head -1; }

# container_init NSPAWN_PID: prints the container's PID 1 as the host sees it: the child
# of systemd-nspawn in another PID namespace. systemd-nspawn's first child is a helper
# in the host's PID namespace that forks PID 1 and exits; on a busy machine it lives
# long enough to be taken for PID 1.
container_init() {
  local child own
  own=$(readlink /proc/self/ns/pid)
  for child in $(pgrep -P "$1"); do
    [[ $(readlink "/proc/$child/ns/pid" 2>/dev/null || echo "$own") != "$own" ]] && { echo "$child"; return 0; }
  done
  return 1
}
