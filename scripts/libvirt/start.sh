#!/usr/bin/env bash
# Starts libvirtd for tests, without systemd, and prints sourceable lines on stdout.
#
#   start.sh [--netns NAME]
#     The host's system daemon (virtlogd + libvirtd, qemu and test drivers), sockets
#     /run/libvirt/libvirt-sock (rw) and libvirt-sock-ro (read-only). A daemon that
#     already answers on both sockets is reused. With --netns, the daemon runs inside the
#     network namespace NAME (created if missing, loopback up) so that the tap devices of
#     guests are created there and guest traffic never reaches a host interface; a
#     running daemon is reused if it runs in any network namespace (LIBVIRT_NETNS says
#     which), and refused if it runs in the host's.
#     Prints LIBVIRT_URI LIBVIRT_SOCK LIBVIRT_SOCK_RO LIBVIRTD_PID LIBVIRT_NETNS
#     LIBVIRT_STARTED (1 when this call started the daemon: the caller then stops it).
#     The calling process (VMT_OWNER_PID overrides, 0: none) is noted as a user of the
#     daemon while it lives: stop.sh leaves the daemon running while another user lives
#     (system-users.sh).
#
#   start.sh --private DIR [--netns NAME]
#     A second, root libvirtd owned by one test, its sockets, pid file, config and log in
#     DIR; a test may kill, freeze or restart it (run this again) without disturbing
#     anyone else. Stop with stop.sh --private DIR. If the calling process (VMT_OWNER_PID
#     overrides, 0 disables) exits without doing so, the daemon is stopped for it.
#     Without --netns: only the test driver (no driver module is loaded, so it shares no
#     state with the system daemon); LIBVIRT_URI=test+unix:///default?socket=DIR/libvirt-sock.
#     With --netns: all drivers, qemu included, for real guests, inside network namespace
#     NAME (created) and its own mount namespace, where libvirt's state folders
#     (/run/libvirt, /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt,
#     /etc/libvirt/qemu) are empty tmpfs and /etc/libvirt is a copy whose qemu.conf is
#     DIR/qemu.conf (guests run as root, their console output goes to files: no virtlogd);
#     LIBVIRT_URI=qemu:///system?socket=DIR/libvirt-sock. Run again after the daemon died
#     (a restart), it starts in the same namespaces and finds the guests it left.
#     Prints LIBVIRT_URI LIBVIRT_SOCK LIBVIRT_SOCK_RO LIBVIRTD_PID LIBVIRT_NETNS LIBVIRT_STARTED.
set -euo pipefail
usage() { echo "usage: $0 [--netns NAME] | --private DIR [--netns NAME]" >&2; exit 2; }
netns='' private_dir=''
while (($#)); do
  case $1 in
    --netns) [[ $# -ge 2 && $2 =~ ^[A-Za-z0-9_.-]+$ ]] || usage; netns=$2; shift 2 ;;
    --private) [[ $# -ge 2 ]] || usage; private_dir=$2; shift 2 ;;
    *) usage ;;
  esac
done
source "$(dirname "$0")/../lib/common.sh"
source "$VMT_SCRIPTS/libvirt/system-users.sh"
readonly READY_TIMEOUT_S=60 SYSTEM_PID_FILE=/run/libvirtd.pid

"$VMT_SCRIPTS/install-deps.sh"

answers() { # URI [virsh options]: the daemon behind URI takes a call
  timeout 20 virsh -q -c "$@" uri >/dev/null 2>&1
}

alive_pid() { # PID_FILE: the pid it names, if that process lives
  local pid
  pid=$(cat "$1" 2>/dev/null) && [[ -n $pid ]] && alive "$pid" && echo "$pid"
}

# Under the lock libvirtd-system (fd 9, closed for the daemons: they would hold it), so
# that a daemon stop.sh is stopping is not reused, nor two daemons started at once.
start_system() {
  local started=0 pid uri=qemu:///system owner=${VMT_OWNER_PID:-$PPID}
  if pid=$(alive_pid "$SYSTEM_PID_FILE") && [[ $(readlink "/proc/$pid/exe") == */libvirtd ]]; then
    # A running daemon is reused, never replaced: others may be using it. Under heavy
    # load it may take a while to answer (it probes QEMU at start).
    wait_until "$READY_TIMEOUT_S" answers "$uri" && wait_until "$READY_TIMEOUT_S" answers "$uri" -r ||
      die "libvirtd (pid $pid) runs but does not answer on /run/libvirt within ${READY_TIMEOUT_S}s"
    local running_netns; running_netns=$(ip netns identify "$pid")
    if [[ -n $netns && -z $running_netns ]]; then
      die "the running libvirtd (pid $pid) is in the host's network namespace, not in one like $netns; stop it first (scripts/libvirt/stop.sh) or use a private daemon (--private DIR --netns $netns)"
    fi
    # A daemon in another namespace serves as well: guests only need to be in one.
    netns=$running_netns
  else
    alive_pid /run/virtlogd.pid >/dev/null || virtlogd -d 9>&-
    rm -f /run/libvirt/libvirt-sock /run/libvirt/libvirt-sock-ro
    if [[ -n $netns ]]; then
      ensure_netns
      ip netns exec "$netns" libvirtd -d 9>&-
    else
      libvirtd -d 9>&-
    fi
    wait_until "$READY_TIMEOUT_S" answers "$uri" && wait_until "$READY_TIMEOUT_S" answers "$uri" -r ||
      die "libvirtd did not answer on /run/libvirt within ${READY_TIMEOUT_S}s (log: /var/log/libvirt/libvirtd.log)"
    pid=$(alive_pid "$SYSTEM_PID_FILE") || die "libvirtd wrote no $SYSTEM_PID_FILE"
    started=1
    log "libvirtd started (pid $pid${netns:+, network namespace $netns})"
  fi
  [[ $owner =~ ^[1-9][0-9]*$ ]] && user_add "$owner"
  echo "LIBVIRT_URI=$uri"
  echo "LIBVIRT_SOCK=/run/libvirt/libvirt-sock"
  echo "LIBVIRT_SOCK_RO=/run/libvirt/libvirt-sock-ro"
  echo "LIBVIRTD_PID=$pid"
  echo "LIBVIRT_NETNS=$netns"
  echo "LIBVIRT_STARTED=$started"
}

ensure_netns() {
  [[ -e /run/netns/$netns ]] || ip netns add "$netns" # not `ip netns list | grep`: "vmt" would match "vmt-e2e-1"
  ip -n "$netns" link set lo up
}

start_private() {
  mkdir -p "$private_dir"
  local dir; dir=$(cd "$private_dir" && pwd)
  local uri="test+unix:///default?socket=$dir/libvirt-sock" started=0 pid
  [[ -n $netns ]] && uri="qemu:///system?socket=$dir/libvirt-sock"
  if pid=$(alive_pid "$dir/libvirtd.pid"); then
    wait_until "$READY_TIMEOUT_S" answers "$uri" ||
      die "private libvirtd (pid $pid) runs but does not answer on $dir/libvirt-sock"
  else
    cat >"$dir/libvirtd.conf" <<CONF
unix_sock_dir = "$dir"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:$dir/libvirtd.log"
CONF
    rm -f "$dir/libvirt-sock" "$dir/libvirt-sock-ro" "$dir/libvirt-admin-sock"
    if [[ -n $netns ]]; then
      cat >"$dir/qemu.conf" <<CONF
user = "root"
group = "root"
security_driver = "none"
dynamic_ownership = 0
stdio_handler = "file"
CONF
      ensure_netns
      echo "$netns" >"$dir/netns"
      local holder
      if holder=$(alive_pid "$dir/namespace-holder.pid") && [[ $(readlink "/proc/$holder/exe") == */sleep ]]; then
        # A restart (the daemon was killed or stopped): the new daemon runs in the mount
        # namespace of the old one, so it finds the state of the guests it left (domain
        # definitions, status, monitor sockets) and reconnects to those still running.
        nsenter -t "$holder" -m -n libvirtd -d -f "$dir/libvirtd.conf" -p "$dir/libvirtd.pid"
      else
        # The mount namespace lives as long as a process holds it: the holder (killed with
        # everything else in the network namespace by stop.sh), the daemon, its guests.
        # /etc/libvirt is a copy with DIR/qemu.conf, bound over the folder: a bind over
        # the file alone is detached when the host's file is replaced (install-deps.sh
        # edits it with sed -i when a setting differs), and the daemon then reads the
        # host's qemu.conf (QEMU's output through virtlogd, which does not run here). The
        # copy holds install-deps.sh's lock, so it never meets sed's temporary file.
        rm -rf "$dir/etc-libvirt"
        with_lock libvirt-config cp -a /etc/libvirt "$dir/etc-libvirt"
        cp "$dir/qemu.conf" "$dir/etc-libvirt/qemu.conf"
        ip netns exec "$netns" unshare --mount --propagation private bash -c '
          set -e
          mount --bind "$1/etc-libvirt" /etc/libvirt
          for state in /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /etc/libvirt/qemu; do
            mkdir -p "$state" && mount -t tmpfs tmpfs "$state"
          done
          sleep infinity </dev/null >/dev/null 2>&1 &
          echo $! >"$1/namespace-holder.pid"
          exec libvirtd -d -f "$1/libvirtd.conf" -p "$1/libvirtd.pid"' private-libvirtd "$dir"
      fi
    else
      # LIBVIRT_DRIVER_DIR pointing at an empty folder: no qemu, network, storage...
      # drivers (those would share /run/libvirt state with the system daemon); the test
      # driver is built into libvirt itself.
      mkdir -p "$dir/no-drivers"
      LIBVIRT_DRIVER_DIR=$dir/no-drivers libvirtd -d -f "$dir/libvirtd.conf" -p "$dir/libvirtd.pid"
    fi
    wait_until "$READY_TIMEOUT_S" answers "$uri" ||
      die "private libvirtd did not answer on $dir/libvirt-sock within ${READY_TIMEOUT_S}s (log: $dir/libvirtd.log)"
    pid=$(alive_pid "$dir/libvirtd.pid") || die "private libvirtd wrote no $dir/libvirtd.pid"
    started=1
    # Whatever happens to the daemon: its guests and namespace may outlive it.
    stop_with_owner 0 "$VMT_SCRIPTS/libvirt/stop.sh" --private "$dir"
    log "private libvirtd started in $dir (pid $pid${netns:+, network namespace $netns})"
  fi
  echo "LIBVIRT_URI=$uri"
  echo "LIBVIRT_SOCK=$dir/libvirt-sock"
  echo "LIBVIRT_SOCK_RO=$dir/libvirt-sock-ro"
  echo "LIBVIRTD_PID=$pid"
  echo "LIBVIRT_NETNS=$netns"
  echo "LIBVIRT_STARTED=$started"
}

if [[ -n $private_dir ]]; then start_private; else with_lock libvirtd-system start_system; fi
