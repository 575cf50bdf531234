#!/usr/bin/env bash
# Benchmark of the exporter's collection cost, with baselines measured in the same run:
#   1. per VM per sample, CPU and wall time, for 1, 10 and 500 VMs (libvirt's test driver,
#      node XML files of that many domains), beside `virsh domstats --raw` on the same VMs;
#      max RSS of both (bench/collection-cost.ts);
#   2. if Telegraf is built ($VMT_CACHE/bin/telegraf, scripts/telegraf/build.sh): the
#      exporter process and Telegraf's libvirt input, each sampling the same 500 VMs every
#      second for 20 s into the same InfluxDB 1.8: CPU seconds and RSS of each process.
# Usage: bench/run.sh [COUNT...]   (default 1 10 500). Needs root and libvirtd
# (scripts/libvirt/start.sh: the system daemon, reused if it runs; stopped again only
# if this script started it).
set -euo pipefail
exporter=$(cd "$(dirname "$0")/.." && pwd)
scripts=$exporter/../scripts
cache=${VMT_CACHE:-/root/.cache/vm-telemetry}
counts=("$@")
[[ ${#counts[@]} -gt 0 ]] || counts=(1 10 500)
window_s=20

# Only lower case in the path: Telegraf refuses a test:/// URI with capitals ("can't parse ... as a libvirt uri").
work=/tmp/vmt-bench-$$
mkdir -m 755 "$work"
chmod 755 "$work"
pids=()
LIBVIRT_STARTED=0
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f $work/influx/influx.env ]] && "$scripts/influxdb/stop.sh" "$work/influx" >/dev/null 2>&1 || true
  [[ $LIBVIRT_STARTED == 1 ]] && "$scripts/libvirt/stop.sh" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

eval "$("$scripts/libvirt/start.sh")"
cd "$exporter"
[[ -d node_modules ]] || npm ci --ignore-scripts >&2
echo "== 1. collection cost (libvirt $(virsh --version), node $(node --version), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
node --import tsx bench/collection-cost.ts "$LIBVIRT_SOCK_RO" "$work" "${counts[@]}"

telegraf=$cache/bin/telegraf
if [[ ! -x $telegraf ]]; then
  echo "== 2. skipped: no Telegraf at $telegraf (build it with scripts/telegraf/build.sh)"
  exit 0
fi
largest=${counts[-1]}
node_xml=$work/node-$largest.xml
eval "$("$scripts/influxdb/start.sh" 1.8 "$work/influx")"
npm run -s build >&2

# cpu_seconds PID: utime + stime of a process, in seconds.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"; }
rss_mib() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
# measure NAME PID: waits 5 s of warm-up, then prints CPU over the window and RSS.
measure() {
  local name=$1 pid=$2 before after
  sleep 5
  kill -0 "$pid" || { echo "$name exited early" >&2; exit 1; }
  before=$(cpu_seconds "$pid")
  sleep "$window_s"
  after=$(cpu_seconds "$pid")
  awk -v n="$name" -v b="$before" -v a="$after" -v w="$window_s" -v r="$(rss_mib "$pid")" -v vms="$largest" \
    'BEGIN { printf "%-36s %6.2f CPU-s in %d s = %5.2f %% of a core, %7.1f µs CPU per VM per sample, RSS %s MiB\n", n, a - b, w, (a - b) / w * 100, (a - b) / w / vms * 1e6, r }'
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

echo "== 2. whole processes, $largest VMs, 1 s interval, ${window_s} s, writing to InfluxDB 1.8 at $INFLUX_URL"
node dist/src/cli.js --libvirt-socket "$LIBVIRT_SOCK_RO" --libvirt-uri "test://$node_xml" \
  --influx-url "$INFLUX_URL" --influx-api v1 --listen '' --log-level warn &
pids+=($!)
measure "vm-telemetry-exporter" "$!"

cat >"$work/telegraf.conf" <<CONF
[agent]
  interval = "1s"
  flush_interval = "1s"
  omit_hostname = false
[[inputs.libvirt]]
  libvirt_uri = "test://$node_xml"
  statistics_groups = ["state", "cpu_total", "balloon", "vcpu", "interface", "block"]
[[outputs.influxdb]]
  urls = ["$INFLUX_URL"]
  database = "telegraf"
CONF
"$telegraf" --config "$work/telegraf.conf" --quiet &
pids+=($!)
measure "telegraf inputs.libvirt (baseline)" "$!"
echo "note: on the test driver Telegraf stores only the bulk 'state' group; the exporter also makes"
echo "      the per-domain fallback calls (info, memory, block, interface) to fill the other fields."
