#!/usr/bin/env bash
# Side by side with the peer, Telegraf's libvirt input: the same VMs, the same InfluxDB
# 1.8 server (different databases), the same run. Both processes run AT THE SAME TIME,
# each sampling every second. Two windows of SECONDS (default 60) each: the start-up
# window from 10 s after start (V8 still compiles the exporter's code to optimised
# code and sizes its heap: one-time costs) and the steady window from 120 s after
# start (VMT_PEER_STEADY_AFTER; later when the windows would overlap). In each: CPU
# seconds of each process (utime+stime of /proc/PID/stat, delta over the window); at
# the end peak RSS (VmHWM, whole run) and
# the points each wrote per second (counted in InfluxDB, steady window only). The
# summary lines give the steady window's figures. Two scenarios:
#   A. two real QEMU guests under TCG (loads cpu and all), on a private libvirtd with the
#      qemu driver in a network namespace of its own (scripts/libvirt/start.sh --private
#      DIR --netns NS): libvirt's bulk stats carry every group, the exporter's round is
#      the bulk call alone;
#   B. the 500-domain test-driver node XML of bench/collection-cost.ts on the same
#      daemon, guests stopped: bulk stats hold only `state`, so the exporter reads the
#      other groups by per-domain calls, each VM every --libvirt-fallback-interval
#      (default 10 s, spread over the rounds); Telegraf skips them.
# The exporter runs COMPILED (npm run build; node dist/src/cli.js), not through tsx.
# Usage: bench/peer.sh [SECONDS]   (root; Telegraf at $VMT_CACHE/bin/telegraf, built by
# scripts/telegraf/build.sh when missing). Everything it starts, it stops.
# VMT_PEER_CPU_PROF=DIR: the exporter runs with node --cpu-prof, its profiles (one per
# scenario) go to DIR; profiling adds to its CPU figures.
# VMT_PEER_EXPORTER_FLAGS: extra exporter flags, split on spaces (e.g.
# "--influx-gzip-threshold 100000000" to compare without gzip).
# The exporter listens on a free loopback port; its overruns (rounds that took longer
# than the interval) are read from its /metrics at the end of each scenario, the whole
# run counted (warm-up included).
# Ends with two summary lines (read by the top-level `npm run bench`):
#   exporter: guests=2 cpu_ratio=R1 rss_ratio=R2
#   exporter: vms=500 cpu_pct=P cpu_ratio=R3 overruns=O
set -euo pipefail
window_s=${1:-60}
[[ $window_s =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
readonly WARMUP_S=10 TEST_DRIVER_VMS=500
steady_after_s=${VMT_PEER_STEADY_AFTER:-$((window_s + WARMUP_S > 120 ? window_s + WARMUP_S : 120))}
[[ $steady_after_s =~ ^[0-9]+$ ]] && ((steady_after_s >= WARMUP_S + window_s)) ||
  { echo "VMT_PEER_STEADY_AFTER must be at least $((WARMUP_S + window_s)) (10 s warm-up + the start-up window)" >&2; exit 2; }
exporter=$(cd "$(dirname "$0")/.." && pwd)
scripts=$(cd "$exporter/../scripts" && pwd)
cache=${VMT_CACHE:-/root/.cache/vm-telemetry}
export VMT_OWNER_PID=$$ # servers started below are stopped if this script dies
read -ra extra_flags <<<"${VMT_PEER_EXPORTER_FLAGS:-}"

# Only lower case in the path: Telegraf refuses a test:/// URI with capitals.
work=/tmp/vmt-peer-$$
netns=vmtpeer$$
guests=(peerc$$ peera$$)
mkdir -m 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for guest in "${guests[@]}"; do "$scripts/guest/stop.sh" "$guest" >/dev/null 2>&1 || true; done
  "$scripts/libvirt/stop.sh" --private "$work/libvirt" >/dev/null 2>&1 || true
  if [[ -f $work/influx/influx.env ]]; then "$scripts/influxdb/stop.sh" "$work/influx" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

telegraf=$cache/bin/telegraf
[[ -x $telegraf ]] || telegraf=$("$scripts/telegraf/build.sh" | tail -n 1)
[[ -x $telegraf ]] || { echo "no Telegraf binary (scripts/telegraf/build.sh)" >&2; exit 1; }
cd "$exporter"
[[ -d node_modules ]] || npm ci --ignore-scripts >&2
npm run -s build >&2

eval "$("$scripts/influxdb/start.sh" 1.8 "$work/influx")"
eval "$("$scripts/libvirt/start.sh" --private "$work/libvirt" --netns "$netns")"
export LIBVIRT_URI LIBVIRT_NETNS

free_loopback_port() {
  node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"
}
overruns() { # URL of /metrics
  curl -fsS "$1" | awk '$1 == "vmt_collection_overruns_total" { print $2 }'
}
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"; }
peak_rss_mib() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
influxql() { # DATABASE QUERY: JSON result
  curl -fsS -G "$INFLUX_URL/query" --data-urlencode "db=$1" --data-urlencode "q=$2"
}
# points DATABASE FROM_NS TO_NS: points written in [FROM, TO). A point is one series at one
# time; per series that is the count of its most frequent field.
points() {
  influxql "$1" "SELECT count(*) FROM /.*/ WHERE time >= $2 AND time < $3 GROUP BY *" |
    jq '[.results[0].series[]? | .values[0][1:] | map(select(. != null)) | max] | add // 0'
}
# computed DATABASE: each measurement with its fields.
computed() {
  influxql "$1" 'SHOW FIELD KEYS' |
    jq -r '.results[0].series[]? | "    \(.name): \([.values[][0]] | join(" "))"'
}

# side_by_side TITLE EXPORTER_URI TELEGRAF_URI VMS: runs both at once, prints the table;
# leaves the figures in the globals cpu_ratio, rss_ratio, cpu_pct and overrun_count.
side_by_side() {
  local title=$1 exporter_uri=$2 telegraf_uri=$3 vms=$4
  influxql vm_telemetry 'DROP SERIES FROM /.*/' >/dev/null
  influxql telegraf 'DROP DATABASE telegraf' >/dev/null
  influxql telegraf 'CREATE DATABASE telegraf' >/dev/null
  cat >"$work/telegraf.conf" <<CONF
[agent]
  interval = "1s"
  flush_interval = "1s"
  omit_hostname = false
[[inputs.libvirt]]
  libvirt_uri = "$telegraf_uri"
  statistics_groups = ["state", "cpu_total", "balloon", "vcpu", "interface", "block"]
[[outputs.influxdb]]
  urls = ["$INFLUX_URL"]
  database = "telegraf"
  skip_database_creation = true
CONF
  local port
  port=$(free_loopback_port)
  # --max-semi-space-size=4: as the npm bin (its first line), the systemd unit and the image run it
  # (no TurboFan: the exporter's entry point, src/cli.ts, sets that itself).
  node --max-semi-space-size=4 ${VMT_PEER_CPU_PROF:+--cpu-prof --cpu-prof-dir "$VMT_PEER_CPU_PROF"} dist/src/cli.js --libvirt-socket "$LIBVIRT_SOCK_RO" --libvirt-uri "$exporter_uri" \
    --influx-url "$INFLUX_URL" --influx-api v1 --influx-database vm_telemetry \
    --listen "127.0.0.1:$port" --log-level warn "${extra_flags[@]}" &
  local exporter_pid=$!
  "$telegraf" --config "$work/telegraf.conf" --quiet &
  local telegraf_pid=$!
  pids=("$exporter_pid" "$telegraf_pid")
  sleep "$WARMUP_S"
  local pid
  for pid in "$exporter_pid" "$telegraf_pid"; do
    kill -0 "$pid" 2>/dev/null || { echo "$title: process $pid exited during the warm-up" >&2; exit 1; }
  done
  local from_ns exporter_before telegraf_before
  # Start-up window: 10 s after start.
  exporter_before=$(cpu_seconds "$exporter_pid") telegraf_before=$(cpu_seconds "$telegraf_pid")
  sleep "$window_s"
  local startup_exporter_cpu startup_telegraf_cpu startup_load
  startup_exporter_cpu=$(awk -v a="$(cpu_seconds "$exporter_pid")" -v b="$exporter_before" 'BEGIN { print a - b }')
  startup_telegraf_cpu=$(awk -v a="$(cpu_seconds "$telegraf_pid")" -v b="$telegraf_before" 'BEGIN { print a - b }')
  startup_load=$(cut -d' ' -f1-3 /proc/loadavg)
  sleep $((steady_after_s - WARMUP_S - window_s))
  # Steady window.
  from_ns=$(date +%s%N)
  exporter_before=$(cpu_seconds "$exporter_pid") telegraf_before=$(cpu_seconds "$telegraf_pid")
  sleep "$window_s"
  local to_ns exporter_cpu telegraf_cpu exporter_rss telegraf_rss load
  exporter_cpu=$(awk -v a="$(cpu_seconds "$exporter_pid")" -v b="$exporter_before" 'BEGIN { print a - b }')
  telegraf_cpu=$(awk -v a="$(cpu_seconds "$telegraf_pid")" -v b="$telegraf_before" 'BEGIN { print a - b }')
  to_ns=$(date +%s%N)
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  exporter_rss=$(peak_rss_mib "$exporter_pid") telegraf_rss=$(peak_rss_mib "$telegraf_pid")
  overrun_count=$(overruns "http://127.0.0.1:$port/metrics")
  cpu_ratio=$(awk -v a="$exporter_cpu" -v b="$telegraf_cpu" 'BEGIN { print (b > 0 ? sprintf("%.2f", a / b) : "n/a") }')
  rss_ratio=$(awk -v a="$exporter_rss" -v b="$telegraf_rss" 'BEGIN { print (b > 0 ? sprintf("%.2f", a / b) : "n/a") }')
  cpu_pct=$(awk -v a="$exporter_cpu" -v w="$window_s" 'BEGIN { printf "%.2f", a / w * 100 }')
  kill "$exporter_pid" "$telegraf_pid"
  wait "$exporter_pid" "$telegraf_pid" 2>/dev/null || true
  pids=()
  sleep 2 # the last flushes land; only points inside the window are counted
  local exporter_points telegraf_points
  exporter_points=$(points vm_telemetry "$from_ns" "$to_ns")
  telegraf_points=$(points telegraf "$from_ns" "$to_ns")

  echo "== $title: $vms VMs, both at once, 1 s interval, ${window_s} s windows from ${WARMUP_S} s (start-up) and ${steady_after_s} s (steady) after start"
  echo "   load avg at the end of the start-up window $startup_load, of the steady window $load"
  awk -v w="$window_s" -v vms="$vms" \
    -v ec="$exporter_cpu" -v tc="$telegraf_cpu" -v er="$exporter_rss" -v tr="$telegraf_rss" \
    -v ep="$exporter_points" -v tp="$telegraf_points" -v sec="$startup_exporter_cpu" -v stc="$startup_telegraf_cpu" '
    function ratio(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "n/a" }
    BEGIN {
      printf "%-28s %14s %14s %10s\n", "", "exporter", "telegraf", "ratio"
      printf "%-28s %14.2f %14.2f %10s\n", "CPU s, start-up window", sec, stc, ratio(sec, stc)
      printf "%-28s %14.2f %14.2f %10s\n", "CPU s, steady window", ec, tc, ratio(ec, tc)
      printf "%-28s %14.2f %14.2f %10s\n", "% of one core, steady", ec / w * 100, tc / w * 100, ratio(ec, tc)
      printf "%-28s %14.1f %14.1f %10s\n", "CPU µs per VM per sample", ec / w / vms * 1e6, tc / w / vms * 1e6, ratio(ec, tc)
      printf "%-28s %14.1f %14.1f %10s\n", "peak RSS MiB (VmHWM)", er, tr, ratio(er, tr)
      printf "%-28s %14.1f %14.1f %10s\n", "points written per second", ep / w, tp / w, ratio(ep, tp)
      printf "%-28s %14.1f %14.1f %10s\n", "CPU ms per 1000 points", ep ? ec / ep * 1e6 : 0, tp ? tc / tp * 1e6 : 0, ep && tp ? ratio(ec / ep, tc / tp) : "n/a"
    }'
  echo "  exporter computes (database vm_telemetry):"
  computed vm_telemetry
  echo "  telegraf stores (database telegraf):"
  computed telegraf
  echo "  exporter overruns (whole run, from its /metrics): $overrun_count"
}

echo "peer benchmark: node $(node --version), $(nproc) cores, libvirt $(virsh --version), InfluxDB 1.8 at $INFLUX_URL"
for i in 0 1; do
  load=cpu
  [[ $i == 1 ]] && load=all
  "$scripts/guest/start.sh" --dir "$work/guest-${guests[$i]}" "${guests[$i]}" "$load" >/dev/null
done
side_by_side "A. real QEMU guests (loads cpu, all)" \
  qemu:///system "qemu:///system?socket=$LIBVIRT_SOCK" 2
guests_line="exporter: guests=2 cpu_ratio=$cpu_ratio rss_ratio=$rss_ratio"
for guest in "${guests[@]}"; do "$scripts/guest/stop.sh" "$guest"; done

node_xml=$work/node-$TEST_DRIVER_VMS.xml
node --import tsx --input-type=module \
  -e "import { writeNodeXml } from './bench/node-xml.ts'; writeNodeXml(process.argv[1], Number(process.argv[2]));" \
  "$node_xml" "$TEST_DRIVER_VMS"
side_by_side "B. test driver node XML" \
  "test://$node_xml" "test://$node_xml?socket=$LIBVIRT_SOCK" "$TEST_DRIVER_VMS"
vms_line="exporter: vms=$TEST_DRIVER_VMS cpu_pct=$cpu_pct cpu_ratio=$cpu_ratio overruns=$overrun_count"
echo "$guests_line"
echo "$vms_line"
