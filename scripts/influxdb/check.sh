#!/usr/bin/env bash
# Self-test of start.sh/stop.sh for one InfluxDB version: starts a server in a
# temporary folder, then checks ping/health, a point written on /write and read back
# with InfluxQL on /query, and on 1.8 and 2.7 also a point written on /api/v2/write and
# read back with Flux on /api/v2/query; stops the server, starts it again on the same
# folder (same URL, the point still there), stops it and deletes the folder.
set -euo pipefail
usage() { echo "usage: $0 1.6|1.8|2.7" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
source "$(dirname "$0")/../lib/common.sh"
version=$1

workdir=$(mktemp -d /tmp/vmt-influx-check-XXXXXX)
trap '"$VMT_SCRIPTS/influxdb/stop.sh" "$workdir"; rm -rf "$workdir"' EXIT
server_env=$("$VMT_SCRIPTS/influxdb/start.sh" "$version" "$workdir")
eval "$server_env"

auth=()
[[ -n ${INFLUX_TOKEN:-} ]] && auth=(-H "Authorization: Token $INFLUX_TOKEN")
fail() { die "InfluxDB $version: $*"; }
now_ns=$(date +%s%N)

curl -fsS -o /dev/null "$INFLUX_URL/ping" || fail "/ping failed"
if [[ $version != 1.6 ]]; then
  curl -fsS "$INFLUX_URL/health" | grep -q '"status": *"pass"' || fail "/health is not pass"
fi

curl -fsS "${auth[@]}" -XPOST "$INFLUX_URL/write?db=$INFLUX_DB&precision=ns" \
  --data-binary "check,vm=v1write value=42 $now_ns" || fail "/write failed"
answer=$(curl -fsS "${auth[@]}" -G "$INFLUX_URL/query" --data-urlencode "db=$INFLUX_DB" \
  --data-urlencode 'q=SELECT "value" FROM "check" WHERE "vm" = '"'v1write'")
[[ $answer == *'"values":[['*',42]]'* ]] || fail "InfluxQL did not read back the /write point: $answer"

if [[ $version != 1.6 ]]; then
  if [[ $version == 1.8 ]]; then
    v2write="$INFLUX_URL/api/v2/write?bucket=$INFLUX_DB/$INFLUX_RP&precision=ns"
    v2query="$INFLUX_URL/api/v2/query"
    bucket="$INFLUX_DB/$INFLUX_RP"
  else
    v2write="$INFLUX_URL/api/v2/write?org=$INFLUX_ORG&bucket=$INFLUX_BUCKET&precision=ns"
    v2query="$INFLUX_URL/api/v2/query?org=$INFLUX_ORG"
    bucket=$INFLUX_BUCKET
  fi
  curl -fsS "${auth[@]}" -XPOST "$v2write" --data-binary "check,vm=v2write value=7 $now_ns" ||
    fail "/api/v2/write failed"
  flux="from(bucket: \"$bucket\") |> range(start: -1h) |> filter(fn: (r) => r._measurement == \"check\" and r.vm == \"v2write\")"
  answer=$(curl -fsS "${auth[@]}" -XPOST "$v2query" -H 'Content-Type: application/vnd.flux' \
    -H 'Accept: application/csv' --data-binary "$flux")
  [[ $answer == *',7,value,check,v2write'* ]] || fail "Flux did not read back the /api/v2/write point: $answer"
fi
if [[ $version == 2.7 ]]; then
  status=$(curl -sS -o /dev/null -w '%{http_code}' -G "$INFLUX_URL/query" --data-urlencode "db=$INFLUX_DB" --data-urlencode 'q=SHOW MEASUREMENTS')
  [[ $status == 401 ]] || fail "/query without a token answered $status, expected 401"
fi
first_url=$INFLUX_URL
"$VMT_SCRIPTS/influxdb/stop.sh" "$workdir"
eval "$("$VMT_SCRIPTS/influxdb/start.sh" "$version" "$workdir")"
[[ $INFLUX_URL == "$first_url" ]] || fail "restarted at $INFLUX_URL, not at $first_url"
answer=$(curl -fsS "${auth[@]}" -G "$INFLUX_URL/query" --data-urlencode "db=$INFLUX_DB" \
  --data-urlencode 'q=SELECT "value" FROM "check" WHERE "vm" = '"'v1write'")
[[ $answer == *'"values":[['*',42]]'* ]] || fail "the restarted server lost the /write point: $answer"
log "InfluxDB $version at $INFLUX_URL: all checks passed"
