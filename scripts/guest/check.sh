#!/usr/bin/env bash
# Self-test of the test guest: boots one with load LOAD (default all) on the running
# libvirtd (the system one, or LIBVIRT_URI/LIBVIRT_NETNS as for start.sh), reads `virsh domstats --raw` twice, 5 s apart, and checks that the
# counters the load drives grow: cpu.time (always), balloon.rss and balloon.usable are
# reported, block.0.rd.bytes/wr.bytes (disk), net.0.rx.bytes/tx.bytes (net). Removes
# the guest at the end. The net load needs a daemon in a network namespace.
set -euo pipefail
usage() { echo "usage: $0 [idle|cpu|disk|net|all]" >&2; exit 2; }
[[ $# -le 1 ]] || usage
source "$(dirname "$0")/../lib/common.sh"
load=${1:-all}
name=vmtcheck$$
trap '"$VMT_SCRIPTS/guest/stop.sh" "$name"' EXIT
guest_env=$("$VMT_SCRIPTS/guest/start.sh" "$name" "$load")
eval "$guest_env"

stats() { virsh -q -c "$GUEST_URI" domstats --raw "$name"; }
value() { sed -n "s/^ *$2=//p" <<<"$1"; }
sleep 3 # let the guest's load generators get going
before=$(stats)
sleep 5
after=$(stats)

failures=0
grows() {
  local a b
  a=$(value "$before" "$1") b=$(value "$after" "$1")
  if [[ -z $a || -z $b ]] || ((b <= a)); then
    log "FAIL $1 did not grow: ${a:-missing} -> ${b:-missing}"; failures=$((failures + 1))
  else
    log "ok   $1: $a -> $b (+$((b - a)))"
  fi
}
present() {
  local b; b=$(value "$after" "$1")
  if [[ -z $b ]]; then log "FAIL $1 missing"; failures=$((failures + 1)); else log "ok   $1 = $b"; fi
}

grows cpu.time
present balloon.rss
present balloon.usable
present balloon.available
[[ $load =~ disk|all ]] && { grows block.0.wr.bytes; grows block.0.rd.bytes; }
[[ $load =~ net|all ]] && { grows net.0.rx.bytes; grows net.0.tx.bytes; }
((failures == 0)) || die "$failures check(s) failed for a guest with load $load (console: $GUEST_CONSOLE)"
log "guest with load $load: all stats checks passed"
