#!/usr/bin/env bash
# Backend benchmark (npm run bench:backend): starts InfluxDB 1.8 through the
# project's scripts, then runs the Go benchmark against it and stops it.
#
#   bash bench/backend/run.sh [-runs 5] [-freshness 60s] [-vms 50] [-range 1h]
#   bash bench/backend/run.sh -mode rollup [-runs 3] [-vms 50] [-days 7]
#     (a long range on the rollups of provisioning/influxdb/init/15-rollups.sh
#     against the same range on the 1-s data; ends with the `rollup:` line)
#   bash bench/backend/run.sh -mode inventory [-days 90] [-gone 1000] [-life 10m] [-vms 50]
#     (the vms resource and the vm variable over months of 1-s data of a churning fleet,
#     beside unbounded SHOW TAG VALUES and SELECT; ends with the `inventory:` line)
#
# Rollup mode: the 1-s data set (a week of 50 VMs is 30 M lines, InfluxDB's longest job
# here: 10 min on an idle machine, 45 min at a load of 20) is written once, by -mode
# rollup-data, and the server's files are kept in $VMT_CACHE/bench/rollup-<size>-<hash of
# the code that makes the lines> (~0.4 GB; a new one replaces the others). Its rollups (1
# and 10 min) are computed once too, by -mode rollup-backfill with the provisioned
# continuous queries' statements (a week: 2 min idle, 7-12 min at a load of 10-25 for the
# 1-minute tier alone), and that server's files kept beside it in rollups-<hash of the
# statements> (changed statements compute them again).
# Each run starts its server on a copy of those, its range ending where the data set ends.
#
# Flags go to the Go program (go run ./bench/backend -h lists them).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/common.sh
workdir=$(mktemp -d /tmp/vmt-bench-backend.XXXXXX)
cleanup() {
  local status=$?
  # A failed run takes its server's log with the workdir: its end says why first.
  if ((status != 0)) && [[ -f $workdir/influxdb/influxd.log ]]; then
    echo "run.sh: exit $status; the end of InfluxDB's log:" >&2
    tail -n 20 "$workdir/influxdb/influxd.log" >&2
  fi
  scripts/influxdb/stop.sh "$workdir/influxdb" >/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT

# start_influxdb: starts the server of $workdir/influxdb and exports its address
# and process id (the benchmark reads the server's CPU time).
start_influxdb() {
  # This shell owns the server: the scripts stop it should we die before cleanup.
  eval "$(VMT_OWNER_PID=$$ scripts/influxdb/start.sh 1.8 "$workdir/influxdb")"
  export INFLUX_URL INFLUX_DB INFLUX_PID
}

mode=backend vms=50 days=7
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    -mode | --mode) mode=${args[i + 1]:-} ;;
    -vms | --vms) vms=${args[i + 1]:-} ;;
    -days | --days) days=${args[i + 1]:-} ;;
    -mode=* | --mode=*) mode=${args[i]#*=} ;;
    -vms=* | --vms=*) vms=${args[i]#*=} ;;
    -days=* | --days=*) days=${args[i]#*=} ;;
  esac
done

if [[ $mode != rollup ]]; then
  start_influxdb
  go run ./bench/backend "$@"
  exit
fi

lines_code=$(sed -n '/^func appendSample/,/^}/p; /^func (s dataSet) write/,/^}/p' bench/backend/dataset.go)
[[ -n $lines_code ]] || { echo "run.sh: appendSample or dataSet.write not found in bench/backend/dataset.go" >&2; exit 1; }
cache=$VMT_CACHE/bench/rollup-${vms}vms-${days}d-$(sha256sum <<<"$lines_code" | cut -c1-12)
if [[ ! -f $cache/end ]]; then
  end=$(date -u +%Y-%m-%dT%H:%M:00Z)
  # This server only loads the data set: GOGC=400 spends a larger heap on ~30 % less of
  # its CPU (garbage collection is a third of parsing lines); the measured one runs as is.
  GOGC=400 start_influxdb
  go run ./bench/backend "$@" -mode rollup-data -end "$end"
  scripts/influxdb/stop.sh "$workdir/influxdb"
  rm -rf "$VMT_CACHE"/bench/rollup-*
  mkdir -p "$cache.tmp"
  cp -a "$workdir/influxdb/meta" "$workdir/influxdb/data" "$workdir/influxdb/wal" "$cache.tmp/"
  echo "$end" >"$cache.tmp/end"
  mv "$cache.tmp" "$cache"
  rm -rf "$workdir/influxdb"
  echo "  data set kept in $cache"
else
  echo "data set of $(cat "$cache/end") from $cache"
fi
end=$(cat "$cache/end")
statement=$(INFLUX_URL=http://unused INFLUX_VERSION=1.8 provisioning/influxdb/init/15-rollups.sh statement)
rollups=$cache/rollups-$(sha256sum <<<"$statement" | cut -c1-12)
if [[ ! -f $rollups/done ]]; then
  mkdir -p "$workdir/influxdb"
  cp -a "$cache/meta" "$cache/data" "$cache/wal" "$workdir/influxdb/"
  start_influxdb
  go run ./bench/backend "$@" -mode rollup-backfill -end "$end"
  scripts/influxdb/stop.sh "$workdir/influxdb"
  rm -rf "$cache"/rollups-*
  mkdir -p "$rollups.tmp"
  cp -a "$workdir/influxdb/meta" "$workdir/influxdb/data" "$workdir/influxdb/wal" "$rollups.tmp/"
  touch "$rollups.tmp/done"
  mv "$rollups.tmp" "$rollups"
  rm -rf "$workdir/influxdb"
  echo "  rollups kept in $rollups"
else
  echo "rollups of that data set from $rollups"
fi
mkdir -p "$workdir/influxdb"
cp -a "$rollups/meta" "$rollups/data" "$rollups/wal" "$workdir/influxdb/"
start_influxdb
go run ./bench/backend "$@" -end "$end"
