#!/usr/bin/env bash
# Self-test of the test guest: boots one with load LOAD (default all) on the running
# libvirtd (the system one, or LIBVIRT_URI/LIBVIRT_NETNS as for start.sh), reads `virsh
# domstats --raw` once, then again every 2 s until (within 120 s: a guest on a loaded
# host gets little CPU) they show that the counters the load drives grew: cpu.time
# (always), balloon.rss and balloon.usable are reported, block.0.rd.bytes/wr.bytes
# (disk), net.0.rx.bytes/tx.bytes (net). Removes the guest at the end. The net load
# needs a daemon in a network namespace.
set -euo pipefail
usage() { echo "usage: $0 [LOAD (as for start.sh; default all)]" >&2; exit 2; }
[[ $# -le 1 ]] || usage
source "$(dirname "$0")/../lib/common.sh"
load=${1:-all}
name=vmtcheck$$
trap '"$VMT_SCRIPTS/guest/stop.sh" "$name"' EXIT
guest_env=$("$VMT_SCRIPTS/guest/start.sh" "$name" "$load")
eval "$guest_env"

stats() { virsh -q -c "$GUEST_URI" domstats --raw "$name"; }
value() { sed -n "s/^ *$2=//p" <<<"$1"; }
readonly PATIENCE_S=120

# check_all: counts in $failures the checks that $after fails against $before; logs each
# check when $report is set.
report=''
grows() {
  local a b
  a=$(value "$before" "$1") b=$(value "$after" "$1")
  if [[ -z $a || -z $b ]] || ((b <= a)); then
    failures=$((failures + 1)); [[ -z $report ]] || log "FAIL $1 did not grow: ${a:-missing} -> ${b:-missing}"
  else
    [[ -z $report ]] || log "ok   $1: $a -> $b (+$((b - a)))"
  fi
}
present() {
  local b; b=$(value "$after" "$1")
  if [[ -z $b ]]; then
    failures=$((failures + 1)); [[ -z $report ]] || log "FAIL $1 missing"
  else
    [[ -z $report ]] || log "ok   $1 = $b"
  fi
}
check_all() {
  failures=0
  grows cpu.time
  present balloon.rss
  present balloon.usable
  present balloon.available
  if [[ $load =~ disk|all ]]; then grows block.0.wr.bytes; grows block.0.rd.bytes; fi
  if [[ $load =~ net|all ]]; then grows net.0.rx.bytes; grows net.0.tx.bytes; fi
}

before=$(stats)
deadline=$((SECONDS + PATIENCE_S))
while :; do
  sleep 2
  after=$(stats)
  check_all
  ((failures > 0 && SECONDS < deadline)) || break
done
report=1 check_all
((failures == 0)) || die "$failures check(s) failed for a guest with load $load within ${PATIENCE_S}s (console: $GUEST_CONSOLE)"
log "guest with load $load: all stats checks passed"
