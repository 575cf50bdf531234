#!/usr/bin/env bash
# npm run bench: every comparison of issue 13, each beside its baseline measured in the
# same run, one after the other (never two at once: each measures CPU or time):
#   1. exporter/bench/peer.sh   the exporter against Telegraf's libvirt input (2 real QEMU
#                               guests; 500 test-driver VMs) -> the two `exporter:` lines
#   2. bench/backend/run.sh     QueryData of 50 VMs × 1 h at 1 s through the launched plugin
#                               against the bare InfluxDB /query -> the `backend:` line
#   3. bench/backend/run.sh -mode rollup
#                               a 7-day, 50-VM dashboard load on the rollups
#                               against the same load on the 1-s data -> the `rollup:` line
# and ends with exactly those four lines (each part's full output comes before them).
# Sizes (smaller ones for a quick look; the summary lines say what ran):
#   VMT_BENCH_PEER_SECONDS   window of each peer.sh scenario (default 60)
#   VMT_BENCH_BACKEND_RUNS   timed QueryData runs (default 5)
#   VMT_BENCH_ROLLUP_VMS, VMT_BENCH_ROLLUP_DAYS   the rollup data set (default 50, 7: about
#                            30 M lines, written and rolled up once, then kept in the cache: see
#                            bench/backend/run.sh)
#   VMT_BENCH_ROLLUP_RUNS    timed loads of each kind (default 3)
#   VMT_BENCH_ONLY           run only these parts (e.g. "backend rollup")
# Needs root for peer.sh (libvirtd, QEMU guests in a network namespace). Exits non-zero when
# a part fails or prints no summary line; the lines of the other parts are still printed.
set -euo pipefail
cd "$(dirname "$0")/.."
only=${VMT_BENCH_ONLY:-exporter backend rollup}
out=$(mktemp -d /tmp/vmt-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
failed=()

# part NAME COMMAND...: runs one comparison, its output shown and kept for the summary.
part() {
  local name=$1
  shift
  [[ " $only " == *" $name "* ]] || return 0
  echo "=== $name: $*"
  local status=0
  "$@" 2>&1 | tee "$out/$name.log" || status=$?
  ((status == 0)) || failed+=("$name (exit $status)")
}

part exporter bash exporter/bench/peer.sh "${VMT_BENCH_PEER_SECONDS:-60}"
part backend bash bench/backend/run.sh -runs "${VMT_BENCH_BACKEND_RUNS:-5}" -freshness 0
part rollup bash bench/backend/run.sh -mode rollup -runs "${VMT_BENCH_ROLLUP_RUNS:-3}" -vms "${VMT_BENCH_ROLLUP_VMS:-50}" -days "${VMT_BENCH_ROLLUP_DAYS:-7}"

# The summary: the last line of each kind a part printed, in the issue's order.
lines=()
for kind in "exporter exporter: guests=" "exporter exporter: vms=" "backend backend: vms=" "rollup rollup: vms="; do
  name=${kind%% *} prefix=${kind#* }
  [[ " $only " == *" $name "* ]] || continue
  line=$(grep -a "^$prefix" "$out/$name.log" | tail -n 1 || true)
  if [[ -z $line ]]; then
    failed+=("$name printed no '$prefix…' line")
  else
    lines+=("$line")
  fi
done
echo
if ((${#failed[@]})); then
  printf 'bench: %s\n' "${failed[@]}" >&2
fi
printf '%s\n' "${lines[@]}"
((${#failed[@]} == 0))
