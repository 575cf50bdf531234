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
#                      the private daemon of DIR (start.sh --private DIR).
set -euo pipefail
usage() { echo "usage: $0 [--netns NAME | --private DIR]" >&2; exit 2; }
netns= private_dir=
case ${1:-} in
  "") ;;
  --netns) [[ $# -eq 2 ]] || usage; netns=$2 ;;
  --private) [[ $# -eq 2 ]] || usage; private_dir=$2 ;;
  *) usage ;;
esac
source "$(dirname "$0")/../lib/common.sh"

# stop_pid_file PID_FILE EXECUTABLE_NAME: SIGTERM (SIGKILL after 15 s), then wait for the exit.
stop_pid_file() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  [[ -n $pid && $(readlink "/proc/$pid/exe" 2>/dev/null) == */"$2" ]] || return 0
  kill -TERM "$pid"
  if ! wait_until 15 bash -c "! kill -0 $pid 2>/dev/null"; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 5 bash -c "! kill -0 $pid 2>/dev/null"
  fi
}

if [[ -n $private_dir ]]; then
  stop_pid_file "$private_dir/libvirtd.pid" libvirtd
  rm -f "$private_dir"/libvirt-sock "$private_dir"/libvirt-sock-ro "$private_dir"/libvirt-admin-sock
  exit 0
fi

pid=$(cat /run/libvirtd.pid 2>/dev/null) || pid=
if [[ -z $netns || ( -n $pid && $(ip netns identify "$pid" 2>/dev/null) == "$netns" ) ]]; then
  stop_pid_file /run/libvirtd.pid libvirtd
  pgrep -x 'qemu-system-x86' >/dev/null || pgrep -f '^/usr/bin/qemu-system-' >/dev/null ||
    stop_pid_file /run/virtlogd.pid virtlogd
fi
if [[ -n $netns ]] && ip netns list | grep -q "^$netns\b"; then
  ip netns delete "$netns"
fi
