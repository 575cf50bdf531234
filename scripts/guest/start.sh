#!/usr/bin/env bash
# Defines and starts a small real test guest, waits until its /init reports the load
# running, and prints sourceable lines:
#   GUEST_NAME GUEST_UUID GUEST_URI GUEST_LOAD GUEST_DIR GUEST_CONSOLE GUEST_TAP
#   GUEST_NETNS GUEST_IP GUEST_PEER
# The daemon must run already (scripts/libvirt/start.sh): the system one, or the one
# named by the environment variables LIBVIRT_URI and LIBVIRT_NETNS (as printed by
# scripts/libvirt/start.sh --private DIR --netns NS; export both). When the daemon
# runs inside a network namespace, the guest gets its own 10.0.N.0/24: 10.0.N.2 is put on
# the guest's tap INSIDE that namespace (never on a host interface) and the guest pings it.
# Loads with network traffic (net, all) need that namespace.
#   --dir DIR   disk, console log and XML of the guest (default /var/tmp/vmt-guests/NAME)
# Stop with scripts/guest/stop.sh NAME. Running it again for a running guest with the
# same load reprints its lines.
set -euo pipefail
usage() { echo "usage: $0 [--dir DIR] NAME idle|cpu|cpu:N|disk|net|all|ramp|memclimb (or a comma list)" >&2; exit 2; }
source "$(dirname "$0")/../lib/common.sh"
dir=
if [[ ${1:-} == --dir ]]; then [[ $# -ge 2 ]] || usage; dir=$2; shift 2; fi
[[ $# -eq 2 ]] || usage
name=$1 load=$2
[[ $name =~ ^[A-Za-z0-9_-]{1,40}$ ]] || die "guest name '$name': use 1-40 letters, digits, _ or -"
dir=${dir:-/var/tmp/vmt-guests/$name}
readonly URI=${LIBVIRT_URI:-qemu:///system} STATE_DIR=/run/vmt-guests BOOT_TIMEOUT_S=120
state=$STATE_DIR/$name.env
mkdir -p "$STATE_DIR"

virsh_() { virsh -q -c "$URI" "$@"; }

if [[ -f $state ]] && [[ $(virsh_ domstate "$name" 2>/dev/null) == running ]]; then
  running_load=$(sed -n 's/^GUEST_LOAD=//p' "$state")
  [[ $running_load == "$load" ]] || die "guest $name runs already, with load $running_load, not $load"
  cat "$state"
  exit 0
fi
timeout 30 virsh -q -c "$URI" uri >/dev/null 2>&1 ||
  die "no libvirtd answers on $URI: start it first (scripts/libvirt/start.sh --netns vmt)"
if [[ -n ${LIBVIRT_NETNS+set} ]]; then
  netns=$LIBVIRT_NETNS
else
  netns=$(ip netns identify "$(cat /run/libvirtd.pid)")
fi
if [[ -z $netns && $load =~ net|all ]]; then
  die "load '$load' sends network traffic, but the libvirtd of $URI runs in the host's network namespace; run it in one: scripts/libvirt/start.sh --netns vmt (after scripts/libvirt/stop.sh), or a private one: scripts/libvirt/start.sh --private DIR --netns NS"
fi
virsh_ dominfo "$name" >/dev/null 2>&1 && die "a domain named $name exists already (scripts/guest/stop.sh $name removes it)"

# The first 10.0.N.0/24 that no interface of the namespace and no other guest uses.
pick_subnet() {
  local n used
  used=$({ [[ -n $netns ]] && ip -n "$netns" -4 -o addr show; cat "$STATE_DIR"/*.env 2>/dev/null; } |
    grep -o '10\.0\.[0-9]*\.' | sort -u) || true
  for n in $(seq 2 254); do
    grep -qxF "10.0.$n." <<<"$used" || { echo "$n"; return; }
  done
  die "no free 10.0.N.0/24 left in namespace $netns"
}

started=$SECONDS
# Whatever fails from here on (set -e) removes the half-started guest again.
trap '"$VMT_SCRIPTS/guest/stop.sh" "$name" >&2 || true' EXIT
# Subnet choice and definition under one lock: guests starting in parallel get different subnets.
exec 9>"$VMT_CACHE/locks/guest-start.lock"
flock 9
subnet=$(pick_subnet)
tap=tap$name
tap=${tap:0:15}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -f "$dir/console.log"
"$VMT_SCRIPTS/guest/domain-xml.sh" --dir "$dir" --subnet "$subnet" "$name" "$load" "$tap" >"$dir/domain.xml"
virsh_ define "$dir/domain.xml" >/dev/null
{
  echo "GUEST_NAME=$name"
  echo "GUEST_UUID=$(virsh_ domuuid "$name")"
  echo "GUEST_URI=$URI"
  echo "GUEST_LOAD=$load"
  echo "GUEST_DIR=$dir"
  echo "GUEST_CONSOLE=$dir/console.log"
  echo "GUEST_TAP=$tap"
  echo "GUEST_NETNS=$netns"
  echo "GUEST_IP=10.0.$subnet.15"
  echo "GUEST_PEER=10.0.$subnet.2"
} >"$state"
flock -u 9
virsh_ start "$name" >/dev/null
if [[ -n $netns ]]; then
  ip -n "$netns" addr add "10.0.$subnet.2/24" dev "$tap"
  ip -n "$netns" link set "$tap" up
fi

if ! wait_until "$BOOT_TIMEOUT_S" grep -q '^vmt-guest: running' "$dir/console.log" 2>/dev/null; then
  tail -n 20 "$dir/console.log" >&2 || true
  die "guest $name did not report its load within ${BOOT_TIMEOUT_S}s"
fi
trap - EXIT
grep '^vmt-guest: ' "$dir/console.log" | grep -v running >&2 || true
log "guest $name running load $load after $((SECONDS - started)) s${netns:+ (network namespace $netns)}"
cat "$state"
