#!/usr/bin/env bash
# Boots systemd as PID 1 in a throw-away container of this machine's own OS
# (systemd-nspawn --volatile=yes: a tmpfs root, /usr of the host read-only, so nothing
# the container does reaches the host's files), for tests of systemd units where the
# test machine's own PID 1 is not systemd.
#
#   start.sh WORKDIR [systemd-nspawn option ...]
#
# Options are passed to systemd-nspawn, typically --bind-ro=HOST:CONTAINER for the
# unit, its files and the program. Every unit is disabled (a preset "disable *": an
# empty /etc is a first boot, which would otherwise enable the distribution's presets,
# libvirtd's sockets among them); the test starts what it tests with systemctl.
# It boots to basic.target only (what a service needs to start; no getty, logind or
# D-Bus to wait for). The container shares the host's network (loopback servers are
# reachable). Waits until the boot has finished, then prints:
#   CONTAINER_PID=<PID 1 of the container, as the host sees it>   (for nsenter -t)
#   CONTAINER_NAME=<its machine name>
# scripts/systemd/stop.sh WORKDIR shuts it down; so does the exit of the caller.
set -euo pipefail
usage() { echo "usage: $0 WORKDIR [systemd-nspawn option ...]" >&2; exit 2; }
[[ $# -ge 1 && -d $1 ]] || usage
source "$(dirname "$0")/../lib/common.sh"
dir=$(cd "$1" && pwd); shift
command -v systemd-nspawn >/dev/null || die "systemd-nspawn is not installed (Debian package systemd-container)"

source "$(dirname "$0")/container.sh"
name=$(machine_name "$dir") leader='' init=''
echo 'disable *' >"$dir/00-disable-all.preset"

# boot: starts the container; its console (systemd's boot messages) and systemd-nspawn's
# own report of how the container ended go to $dir/container.log.
boot() {
  TERM=dumb setsid systemd-nspawn --directory=/ --volatile=yes --register=no --keep-unit \
    --machine="$name" --console=read-only \
    --bind-ro="$dir/00-disable-all.preset:/etc/systemd/system-preset/00-disable-all.preset" \
    "$@" --boot systemd.firstboot=off systemd.unit=basic.target </dev/null >"$dir/container.log" 2>&1 &
  leader=$!
}
# booted: the boot has finished, or the container is gone (the caller tells which).
booted() {
  local state
  alive "$leader" || return 0
  init=$(container_init "$leader") || return 1
  state=$(nsenter --target "$init" --all systemctl is-system-running 2>/dev/null) || true
  [[ $state == running || $state == degraded ]]
}

# A container that ends during its boot is booted once more: it was seen to vanish
# without a word on a loaded CI machine (the first attempt's log is kept and printed).
for attempt in 1 2; do
  boot "$@"
  [[ $attempt == 1 ]] && stop_with_owner 0 "$VMT_SCRIPTS/systemd/stop.sh" "$dir"
  wait_until 180 booted || die "the container's systemd did not finish booting in 180 s: $(
    nsenter --target "$init" --all systemctl is-system-running 2>&1
    nsenter --target "$init" --all systemctl list-jobs --no-pager 2>&1
    tail -n 20 "$dir/container.log"
  )"
  alive "$leader" && break
  mv "$dir/container.log" "$dir/container-attempt-$attempt.log"
  log "the container ended during its boot (attempt $attempt); its log ends: $(tail -n 20 "$dir/container-attempt-$attempt.log")"
  [[ $attempt == 2 ]] && die "the container ended during its boot twice; logs: $dir/container-attempt-*.log"
done
log "container $name booted (PID 1 is $init on the host)"
echo "CONTAINER_PID=$init"
echo "CONTAINER_NAME=$name"
