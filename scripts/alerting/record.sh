#!/usr/bin/env bash
# Records real guest samples for the alert-rule replay test (provisioning/replay_test.go):
# four real QEMU guests on a private libvirtd in a network namespace of their own
#   vmt-rec-idle      load idle      (what an idle guest's jitter looks like)
#   vmt-rec-busy      load cpu       (a guest at 100 % CPU, with the host's scheduling noise)
#   vmt-rec-ramp      load ramp      (CPU duty cycle rising 0 → 99 % over 2 min, in 6-min cycles)
#   vmt-rec-memclimb  load memclimb  (memory +0.5 % a second for 2 min, in 6-min cycles)
# sampled every second by the exporter into a private InfluxDB 1.8 for SECONDS (default
# 900: two and a half cycles), then the exporter stops and every VM's samples
# (cpu_usage_percent, memory_usage_percent) are written to OUTPUT as gzipped JSON, with
# the guests' console lines ("ramp: rising", ...) and when they appeared (polled every
# second), which say when each climb began.
# Everything it starts is stopped again, also on failure.
set -euo pipefail
usage() { echo "usage: $0 OUTPUT.json.gz [SECONDS]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
source "$(dirname "$0")/../lib/common.sh"
out=$1 seconds=${2:-900}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || usage
repo=$(cd "$VMT_SCRIPTS/.." && pwd)
readonly GUESTS=(vmt-rec-idle:idle vmt-rec-busy:cpu vmt-rec-ramp:ramp vmt-rec-memclimb:memclimb)
work=$(mktemp -d /var/tmp/vmt-record.XXXXXX)
netns=vmt-rec-$$
exporter='' console_watch=''

# Appends "<ms since the epoch><TAB><guest><TAB><line>" for each new "vmt-guest:" line of
# the guests' consoles, once a second.
watch_consoles() {
  local log guest count
  declare -A seen=()
  while :; do
    for log in "$work"/*/console.log; do
      [[ -f $log ]] || continue
      guest=$(basename "$(dirname "$log")")
      count=$(grep -ac '^vmt-guest: ' "$log") || true
      while ((${seen[$guest]:-0} < count)); do
        seen[$guest]=$((${seen[$guest]:-0} + 1))
        printf '%s\t%s\t%s\n' "$(date +%s%3N)" "$guest" \
          "$(grep -a '^vmt-guest: ' "$log" | sed -n "${seen[$guest]}s/^vmt-guest: //p")"
      done
    done
    sleep 1
  done
}

cleanup() {
  if [[ -n $console_watch ]]; then kill "$console_watch" 2>/dev/null || true; fi
  if [[ -n $exporter ]] && alive "$exporter"; then kill -TERM "$exporter"; wait "$exporter" || true; fi
  for guest in "${GUESTS[@]}"; do LIBVIRT_URI=${LIBVIRT_URI:-} "$VMT_SCRIPTS/guest/stop.sh" "${guest%%:*}" || true; done
  "$VMT_SCRIPTS/libvirt/stop.sh" --private "$work/libvirt" || true
  "$VMT_SCRIPTS/influxdb/stop.sh" "$work/influx" || true
  rm -rf "$work"
}
trap cleanup EXIT

eval "$("$VMT_SCRIPTS/influxdb/start.sh" 1.8 "$work/influx")"
eval "$("$VMT_SCRIPTS/libvirt/start.sh" --private "$work/libvirt" --netns "$netns")"
export LIBVIRT_URI LIBVIRT_NETNS
watch_consoles >"$work/events.tsv" &
console_watch=$!
for guest in "${GUESTS[@]}"; do
  "$VMT_SCRIPTS/guest/start.sh" --dir "$work/${guest%%:*}" "${guest%%:*}" "${guest#*:}" >/dev/null
done
# The guests' QEMU at a higher scheduling priority: on a machine busy with parallel work
# a guest at nice 0 gets a few percent of a core, and its loads drown in that contention.
# Each QEMU is its own session, so its autogroup's nice is what counts (nice of its threads
# alone does not reach beyond the autogroup).
for guest in "${GUESTS[@]}"; do
  for pid in $(pgrep -f "guest=${guest%%:*},"); do
    # shellcheck disable=SC2046 # one thread id per word
    renice -n -10 -p $(ls "/proc/$pid/task") >/dev/null
    if [[ -w /proc/$pid/autogroup ]]; then echo -10 >"/proc/$pid/autogroup"; fi
  done
done
(cd "$repo/exporter" && npm run --silent build) >&2
node "$repo/exporter/dist/src/cli.js" --libvirt-uri qemu:///system --libvirt-socket "$LIBVIRT_SOCK_RO" \
  --influx-url "$INFLUX_URL" --influx-api v1 --influx-database "$INFLUX_DB" \
  --interval 1s --log-level warn >"$work/exporter.log" 2>&1 &
exporter=$!
log "recording ${#GUESTS[@]} guests for $seconds s"
sleep "$seconds"
kill -TERM "$exporter"
wait "$exporter" || true
exporter=''

query='SELECT cpu_usage_percent, memory_usage_percent FROM vm_telemetry GROUP BY vm, host, uuid'
loads=$(printf '%s\n' "${GUESTS[@]}" | jq -R 'split(":") | {(.[0]): .[1]}' | jq -s add)
events=$(jq -R 'split("\t") | {time_ms: (.[0] | tonumber), vm: .[1], line: .[2]}' "$work/events.tsv" | jq -s .)
curl -fsS -G "$INFLUX_URL/query" --data-urlencode "db=$INFLUX_DB" --data-urlencode epoch=ms \
  --data-urlencode "q=$query" |
  jq -c --argjson loads "$loads" --argjson events "$events" --arg recorded "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '{
    description: "Real QEMU guests sampled every second by the exporter (scripts/alerting/record.sh); time in ms since the epoch, values as the exporter wrote them (null: not written)",
    recorded: $recorded,
    columns: ["time_ms", "cpu_usage_percent", "memory_usage_percent"],
    vms: [.results[0].series[] | .tags.vm as $vm | {vm: $vm, load: $loads[$vm], host: .tags.host, uuid: .tags.uuid,
      events: [$events[] | select(.vm == $vm) | {time_ms, line}], samples: .values}]
  }' | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
log "wrote $out ($(stat -c %s "$out") bytes)"
