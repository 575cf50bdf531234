#!/usr/bin/env bash
# Benchmark of the exporter's collection cost, with baselines measured in the same run:
#   1. per VM per sample, CPU and wall time, for 1, 10 and 500 VMs (libvirt's test driver,
#      node XML files of that many domains), beside `virsh domstats --raw` on the same VMs;
#      max RSS of both (bench/collection-cost.ts);
#   2. bench/peer.sh: the compiled exporter and Telegraf's libvirt input at the same time,
#      on two real QEMU guests and on the 500 test-driver VMs, into the same InfluxDB 1.8:
#      CPU, peak RSS and points per second of each (window: VMT_PEER_SECONDS, default 60).
# Usage: bench/run.sh [COUNT...]   (default 1 10 500). Needs root and libvirtd
# (scripts/libvirt/start.sh: the system daemon, reused if it runs; stopped again only
# if this script started it).
set -euo pipefail
exporter=$(cd "$(dirname "$0")/.." && pwd)
scripts=$exporter/../scripts
counts=("$@")
[[ ${#counts[@]} -gt 0 ]] || counts=(1 10 500)

work=/tmp/vmt-bench-$$
mkdir -m 755 "$work"
chmod 755 "$work"
LIBVIRT_STARTED=0
cleanup() {
  if [[ $LIBVIRT_STARTED == 1 ]]; then "$scripts/libvirt/stop.sh" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

eval "$("$scripts/libvirt/start.sh")"
cd "$exporter"
[[ -d node_modules ]] || npm ci --ignore-scripts >&2
echo "== 1. collection cost (libvirt $(virsh --version), node $(node --version), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
node --import tsx bench/collection-cost.ts "$LIBVIRT_SOCK_RO" "$work" "${counts[@]}"

echo "== 2. side by side with Telegraf's libvirt input (bench/peer.sh ${VMT_PEER_SECONDS:-60})"
bash "$exporter/bench/peer.sh" "${VMT_PEER_SECONDS:-60}"
