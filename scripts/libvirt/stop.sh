#!/usr/bin/env bash
# Stops a libvirtd that scripts/libvirt/start.sh started. Nothing to stop is not an error.
#
#   stop.sh            the system daemon (/run/libvirtd.pid), and virtlogd when no QEMU
#                      process is left that logs through it. Guests keep running: stop
#                      them first (scripts/guest/stop.sh) if they were yours.
#   stop.sh --netns NAME
#                      the system daemon only if it runs inside network namespace NAME,
#                      then deletes NAME.
#                      Both first end the calling process's use of the system daemon
#                      (VMT_OWNER_PID overrides the caller, as in start.sh). While another
#                      user that start.sh noted still lives (a concurrent test run, the
#                      demo), nothing is stopped now: a detached watcher does it once the
#                      last of them has ended (system-users.sh).
#   stop.sh --private DIR
#                      the private daemon of DIR (start.sh --private DIR); when it had
#                      the qemu driver (--netns NAME), first its guests, then whatever
#                      still runs in its network namespace (its guests, the holder of
#                      its mount namespace), which is then deleted.
set -euo pipefail
usage() { echo "usage: $0 [--netns NAME | --private DIR]" >&2; exit 2; }
netns='' private_dir=''
case ${1:-} in
  "") ;;
  --netns) [[ $# -eq 2 ]] || usage; netns=$2 ;;
  --private) [[ $# -eq 2 ]] || usage; private_dir=$2 ;;
  *) usage ;;
esac
source "$(dirname "$0")/../lib/common.sh"
source "$VMT_SCRIPTS/libvirt/system-users.sh"

not_alive() { ! alive "$1"; }

# stop_pid_file PID_FILE EXECUTABLE_NAME: SIGTERM (SIGKILL after 15 s), then wait for the exit.
stop_pid_file() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  [[ -n $pid && $(readlink "/proc/$pid/exe" 2>/dev/null) == */"$2" ]] || return 0
  alive "$pid" || return 0
  kill -CONT "$pid" 2>/dev/null || true # a frozen daemon cannot handle SIGTERM
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_until 15 not_alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 5 not_alive "$pid"
  fi
}

if [[ -n $private_dir ]]; then
  private_netns=$(cat "$private_dir/netns" 2>/dev/null) || private_netns=
  if [[ -n $private_netns ]] && pid=$(cat "$private_dir/libvirtd.pid" 2>/dev/null) && alive "$pid"; then
    uri="qemu:///system?socket=$private_dir/libvirt-sock"
    for domain in $(timeout 20 virsh -q -c "$uri" list --name 2>/dev/null); do
      timeout 20 virsh -q -c "$uri" destroy "$domain" >/dev/null 2>&1 || true
    done
  fi
  stop_pid_file "$private_dir/libvirtd.pid" libvirtd
  if [[ -n $private_netns ]] && [[ -e /run/netns/$private_netns ]]; then
    # Only processes this daemon started live in its namespace (QEMU of guests it lost).
    for pid in $(ip netns pids "$private_netns"); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns delete "$private_netns"
  fi
  rm -f "$private_dir"/{libvirt-sock,libvirt-sock-ro,libvirt-admin-sock,netns,namespace-holder.pid}
  exit 0
fi

# Under the lock libvirtd-system (fd 9, as in start.sh): no start.sh reuses the daemon
# while it is being stopped.
stop_system() {
  local owner=${VMT_OWNER_PID:-$PPID} users pid
  [[ $owner =~ ^[1-9][0-9]*$ ]] && user_drop "$owner"
  users=$(live_users)
  if [[ -n $users ]]; then
    log "libvirtd left running: still used by pid(s) $users; stopped once the last of them has ended"
    VMT_OWNER_PID=0 setsid bash -c '
      source "$1/lib/common.sh"; source "$1/libvirt/system-users.sh"; shift
      while [[ -n $(live_users) ]]; do sleep 2; done
      exec "$@"' watch-libvirtd-users "$VMT_SCRIPTS" "$VMT_SCRIPTS/libvirt/stop.sh" "$@" \
      </dev/null >>"$VMT_CACHE/logs/watch-owner.log" 2>&1 9>&- &
    return 0
  fi
  pid=$(cat /run/libvirtd.pid 2>/dev/null) || pid=
  if [[ -z $netns || ( -n $pid && $(ip netns identify "$pid" 2>/dev/null) == "$netns" ) ]]; then
    stop_pid_file /run/libvirtd.pid libvirtd
    pgrep -x 'qemu-system-x86' >/dev/null || pgrep -f '^/usr/bin/qemu-system-' >/dev/null ||
      stop_pid_file /run/virtlogd.pid virtlogd
  fi
  if [[ -n $netns ]] && [[ -e /run/netns/$netns ]]; then
    ip netns delete "$netns"
  fi
}
with_lock libvirtd-system stop_system "$@"
