#!/usr/bin/env bash
# Stops a libvirtd that scripts/libvirt/start.sh started. Nothing to stop is not an error.
#
#   stop.sh            the system daemon (/run/libvirtd.pid), and virtlogd when no QEMU
#                      process is left that logs through it. Guests keep running: stop
#                      them first (scripts/guest/stop.sh) if they were yours.
#   stop.sh --netns NAME
#                      the system daemon only if it runs inside network namespace NAME,
#                      then deletes NAME.
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

pid=$(cat /run/libvirtd.pid 2>/dev/null) || pid=
if [[ -z $netns || ( -n $pid && $(ip netns identify "$pid" 2>/dev/null) == "$netns" ) ]]; then
  stop_pid_file /run/libvirtd.pid libvirtd
  pgrep -x 'qemu-system-x86' >/dev/null || pgrep -f '^/usr/bin/qemu-system-' >/dev/null ||
    stop_pid_file /run/virtlogd.pid virtlogd
fi
if [[ -n $netns ]] && [[ -e /run/netns/$netns ]]; then
  ip netns delete "$netns"
fi
