#!/usr/bin/env bash
# Backend benchmark (npm run bench:backend): starts InfluxDB 1.8 through the
# project's scripts, then runs the Go benchmark against it and stops it.
#
#   bash bench/backend/run.sh [-runs 5] [-freshness 60s] [-vms 50] [-range 1h]
#   bash bench/backend/run.sh -mode rollup [-runs 5] [-vms 50] [-days 7]
#     (a long range on the 1-minute rollups of provisioning/influxdb/init/15-rollups.sh
#     against the same range on the 1-s data; ends with the `rollup:` line)
#   bash bench/backend/run.sh -mode inventory [-days 90] [-gone 1000] [-life 10m] [-vms 50]
#     (the vms resource and the vm variable over months of 1-s data of a churning fleet,
#     beside unbounded SHOW TAG VALUES and SELECT; ends with the `inventory:` line)
#
# Flags go to the Go program (go run ./bench/backend -h lists them).
set -euo pipefail
cd "$(dirname "$0")/../.."
workdir=$(mktemp -d /tmp/vmt-bench-backend.XXXXXX)
cleanup() {
  scripts/influxdb/stop.sh "$workdir/influxdb" >/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT
# This shell owns the server: the scripts stop it should we die before cleanup.
eval "$(VMT_OWNER_PID=$$ scripts/influxdb/start.sh 1.8 "$workdir/influxdb")"
export INFLUX_URL INFLUX_DB
go run ./bench/backend "$@"
