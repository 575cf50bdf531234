#!/usr/bin/env bash
# Stops the InfluxDB server that scripts/influxdb/start.sh started in WORKDIR
# (SIGTERM, SIGKILL after 15 s) and waits until it has exited. The data stays in
# WORKDIR (start.sh WORKDIR starts the same server again); deleting it is the
# caller's job. Nothing to stop is not an error.
set -euo pipefail
usage() { echo "usage: $0 WORKDIR" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
source "$(dirname "$0")/../lib/common.sh"

env_file=$1/influx.env
[[ -f $env_file ]] || exit 0
pid=$(sed -n 's/^INFLUX_PID=//p' "$env_file")
is_influxd() { [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */influxd* ]]; }
not_alive() { ! alive "$1"; }
if [[ -n $pid ]] && is_influxd && alive "$pid"; then
  kill -CONT "$pid" 2>/dev/null || true # a frozen server cannot handle SIGTERM
  kill -TERM "$pid" 2>/dev/null || true
  wait_until 15 not_alive "$pid" || { kill -KILL "$pid" 2>/dev/null || true; wait_until 5 not_alive "$pid"; }
fi
