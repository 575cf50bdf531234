#!/usr/bin/env bash
# Fleet benchmark (npm run bench:fleet): 500 libvirt test-driver VMs on 5 hosts
# (5 private libvirtd daemons, 100 domains each from exporter/bench/node-xml.ts,
# names h<N>-bench-<i>), one real exporter per host (--host host<N>), one
# InfluxDB 1.8; then bench/fleet/main.go measures the live dashboard through
# the launched plugin executable with 3 simulated viewers:
#   1. baseline: the design of d7b166f (each VM row's 13 live panels on a
#      channel of their own, each polling InfluxDB every second), its
#      executable and dashboard from a temporary worktree of that commit; its
#      rows are subscribed for BASELINE_VMS VMs (default 20) and the queries/s
#      and CPU are scaled to 500, since 6,500 channels do not fit this machine;
#   2. this checkout's executable and provisioned dashboard.
# The last line is the new design's `fleet: ...` line.
#
#   bash bench/fleet/run.sh [WINDOW_SECONDS]      (root; default 30)
# Everything it starts (daemons, exporters, InfluxDB, plugins, the worktree) it stops.
set -euo pipefail
window_s=${1:-30}
[[ $window_s =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [WINDOW_SECONDS]" >&2; exit 2; }
readonly HOSTS=5 VMS_PER_HOST=100 BASELINE_COMMIT=d7b166f
baseline_vms=${BASELINE_VMS:-20}
repo=$(cd "$(dirname "$0")/../.." && pwd)
scripts=$repo/scripts
export VMT_OWNER_PID=$$ # servers started below are stopped if this script dies

work=$(mktemp -d /tmp/vmt-fleet.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for h in $(seq 1 "$HOSTS"); do
    [[ -d $work/libvirt$h ]] && "$scripts/libvirt/stop.sh" --private "$work/libvirt$h" >/dev/null 2>&1 || true
  done
  if [[ -f $work/influx/influx.env ]]; then "$scripts/influxdb/stop.sh" "$work/influx" >/dev/null 2>&1 || true; fi
  if [[ -d $work/base ]]; then git -C "$repo" worktree remove --force "$work/base" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cd "$repo/exporter"
[[ -d node_modules ]] || npm ci --ignore-scripts >&2
npm run -s build >&2
git -C "$repo" worktree add --detach "$work/base" "$BASELINE_COMMIT" >/dev/null 2>&1

eval "$("$scripts/influxdb/start.sh" 1.8 "$work/influx")"
export INFLUX_URL INFLUX_DB
node --import tsx --input-type=module \
  -e "import { writeNodeXml } from './bench/node-xml.ts'; writeNodeXml(process.argv[1], Number(process.argv[2]));" \
  "$work/node.xml" "$VMS_PER_HOST"
for h in $(seq 1 "$HOSTS"); do
  # Names and uuids unique across hosts: the baseline keys VMs by name alone.
  sed -e "s/<name>bench-/<name>h$h-bench-/" -e "s/6695eb01-f6a4-8304-79aa-0/6695eb01-f6a4-8304-79aa-$h/" \
    "$work/node.xml" >"$work/node$h.xml"
  eval "$("$scripts/libvirt/start.sh" --private "$work/libvirt$h")"
  node dist/src/cli.js --libvirt-socket "$LIBVIRT_SOCK_RO" \
    --libvirt-uri "test://$work/node$h.xml" --host "host$h" \
    --influx-url "$INFLUX_URL" --influx-api v1 --influx-database "$INFLUX_DB" \
    --listen '' --log-level warn &
  pids+=($!)
done
echo "fleet benchmark: $((HOSTS * VMS_PER_HOST)) VMs on $HOSTS hosts, InfluxDB 1.8 at $INFLUX_URL, window ${window_s}s, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

cd "$repo"
go build -o "$work/fleet" ./bench/fleet
common=(-hosts "$HOSTS" -vms-per-host "$VMS_PER_HOST" -viewers 3 -window "${window_s}s")
"$work/fleet" "${common[@]}" -baseline -module "$work/base" -dashboard "$work/base/provisioning/dashboards/vm-telemetry.json" \
  -measured-vms "$baseline_vms" -label "baseline ($BASELINE_COMMIT):"
"$work/fleet" "${common[@]}" -label "new design (one live stream per data source):"
