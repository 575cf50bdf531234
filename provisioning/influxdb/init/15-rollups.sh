#!/bin/bash
# Retention and rollups of docs/CONTRACT.md ("Retention and rollups"), one tier per STEP
# (1m, 10m), over InfluxDB's HTTP API (curl only, so it runs in the influxdb:2.7 image as
# well as on a bare machine):
#   1.x  retention policy rollup_STEP and the continuous query vm_telemetry_rollup_STEP
#   2.x  bucket <bucket>_STEP, its DBRP mapping <database>/rollup_STEP and the task
#        vm_telemetry_rollup_STEP
#
#   15-rollups.sh                in the influxdb:2.7 image, run once after its first setup
#                                (DOCKER_INFLUXDB_INIT_* and INFLUX_HOST set by its entrypoint)
#   15-rollups.sh setup          elsewhere, with the variables scripts/influxdb/start.sh prints
#   15-rollups.sh backfill FROM TO
#                                computes the rollups of [FROM, TO) (RFC 3339, whole minutes;
#                                each tier's whole steps that overlap it) right away, with the
#                                statement the CQ / task runs each step
#   15-rollups.sh statement|flux [STEP]
#                                prints the CQ's SELECT … INTO / the task's Flux (of each
#                                step, one per line / one after the other, without STEP)
#   15-rollups.sh steps          prints the tiers' steps (20-least-privilege.sh reads them)
#
# Variables: INFLUX_URL, INFLUX_VERSION (1.6, 1.8, 2.7), INFLUX_DB (vm_telemetry); on 2.x
# INFLUX_TOKEN, INFLUX_ORG_ID, INFLUX_BUCKET (the raw bucket). Retentions, as InfluxQL
# durations (INF: forever): VMT_RAW_RETENTION (empty: left as it is; 7d in the demo and
# compose), VMT_ROLLUP_RETENTION (every tier; default 400d).
# Running setup again changes nothing that exists (re-creating the CQ or task replaces it).
set -euo pipefail

# The tiers' steps: each tier is the same rollup of the 1-s data with its own GROUP BY time,
# recomputing its last two steps once a step (a 10-minute tier from the 1-minute one would
# rename every column: InfluxQL calls mean(/^mean_/) mean_mean_…).
readonly STEPS='1m 10m' MEASUREMENTS='vm_telemetry vm_disk vm_interface'
# The gauges of pkg/models/metrics.json (kind "gauge"), the fields whose minutes get mean_
# and max_ besides last_; a counter or a string gets last_ only (docs/CONTRACT.md): half
# the work of every field's three. provisioning/rollupfields_test.go holds it to the catalog.
readonly GAUGES='^(cpu_usage_percent|memory_usage_percent|memory_total_bytes|memory_used_bytes|vcpus|domain_id)$'

if [[ $# == 0 && -n ${DOCKER_INFLUXDB_INIT_MODE:-} ]]; then
  set -- setup
  INFLUX_URL=${INFLUX_HOST:-http://localhost:${INFLUXD_INIT_PORT:-9999}}
  INFLUX_VERSION=2.7
  INFLUX_DB=vm_telemetry
  INFLUX_TOKEN=$DOCKER_INFLUXDB_INIT_ADMIN_TOKEN
  INFLUX_ORG_ID=$DOCKER_INFLUXDB_INIT_ORG_ID
  INFLUX_BUCKET=$DOCKER_INFLUXDB_INIT_BUCKET
fi

die() { echo "15-rollups.sh: $*" >&2; exit 1; }
[[ $# -ge 1 ]] || die "usage: $0 setup | backfill FROM TO | statement | flux | steps"
# The steps need no server.
if [[ $1 == steps ]]; then
  echo "$STEPS"
  exit 0
fi
: "${INFLUX_URL:?INFLUX_URL must name the InfluxDB server}" "${INFLUX_VERSION:?INFLUX_VERSION must be 1.6, 1.8 or 2.7}"
INFLUX_DB=${INFLUX_DB:-vm_telemetry}
raw_retention=${VMT_RAW_RETENTION:-}
rollup_retention=${VMT_ROLLUP_RETENTION:-400d}
auth=()
if [[ $INFLUX_VERSION == 2.* ]]; then
  : "${INFLUX_TOKEN:?INFLUX_TOKEN is needed on 2.x}" "${INFLUX_ORG_ID:?INFLUX_ORG_ID is needed on 2.x}" "${INFLUX_BUCKET:?INFLUX_BUCKET is needed on 2.x}"
  auth=(-H "Authorization: Token $INFLUX_TOKEN")
fi

# Names are the contract's, checked so that they can be written into statements as they are.
for name in "$INFLUX_DB" ${INFLUX_BUCKET:+"$INFLUX_BUCKET"}; do
  [[ $name =~ ^[A-Za-z0-9_]+$ ]] || die "name '$name' must be letters, digits and underscores"
done
for duration in $raw_retention $rollup_retention; do
  [[ $duration =~ ^(INF|[0-9]+[dhw])$ ]] || die "retention '$duration' must be INF or a number of d, h or w"
done

# api METHOD PATH [curl args...]: the answer's body; fails on an HTTP error, showing it.
# A GET answered 404 (a name lookup that found nothing) gives an empty body.
api() {
  local method=$1 path=$2 body status
  shift 2
  body=$(curl -sS -X "$method" "${auth[@]}" -w '\n%{http_code}' "$INFLUX_URL$path" "$@") || die "$method $path failed"
  status=${body##*$'\n'}
  body=${body%$'\n'*}
  [[ $method == GET && $status == 404 ]] && return 0
  [[ $status == 2* ]] || die "$method $path: HTTP $status: $body"
  printf '%s' "$body"
}

# influxql STATEMENT: runs it over POST /query; an error inside the answer fails too.
influxql() {
  local answer
  answer=$(api POST "/query?db=$INFLUX_DB" --data-urlencode "q=$1")
  [[ $answer != *'"error"'* ]] || die "InfluxQL '$1': $answer"
  printf '%s' "$answer"
}

# rp STEP, task_name STEP: the contract's names of a tier. twice STEP: two steps (1m -> 2m).
rp() { echo "rollup_$1"; }
task_name() { echo "vm_telemetry_rollup_$1"; }
twice() { echo "$((${1%m} * 2))m"; }
check_step() {
  [[ " $STEPS " == *" $1 "* ]] || die "unknown step '$1': want one of $STEPS"
}

# statement WHERE STEP: the SELECT … INTO that rolls up the steps of a WHERE clause (a time
# range for a backfill; the CQ adds it itself). Each measurement goes into its namesake in
# rollup_STEP.
statement() {
  local where=$1 step=$2 from=() m
  for m in $MEASUREMENTS; do from+=("\"$INFLUX_DB\".\"autogen\".\"$m\""); done
  local sources
  sources=$(IFS=,; echo "${from[*]}")
  echo "SELECT mean(/$GAUGES/), max(/$GAUGES/), last(*) INTO \"$INFLUX_DB\".\"$(rp "$step")\".:MEASUREMENT FROM ${sources//,/, }${where:+ WHERE $where} GROUP BY time($step), *"
}

# duration_seconds D: a retention in seconds for 2.x buckets (0: forever).
duration_seconds() {
  case $1 in
    INF) echo 0 ;;
    *d) echo $((${1%d} * 86400)) ;;
    *h) echo $((${1%h} * 3600)) ;;
    *w) echo $((${1%w} * 604800)) ;;
  esac
}

# The task's Flux on 2.x: RANGE is the range() of one run or of a backfill. Gauges get
# mean_ and max_, every field last_; aggregateWindow stamps each step at its start, as
# GROUP BY time does.
flux() {
  local range=$1 step=$2 filter="" m
  for m in $MEASUREMENTS; do filter+="${filter:+ or }r._measurement == \"$m\""; done
  cat <<FLUX
data = from(bucket: "$INFLUX_BUCKET")
  |> $range
  |> filter(fn: (r) => $filter)
gauges = data |> filter(fn: (r) => r._field =~ /$GAUGES/)
rollup = (tables=<-, fn, prefix) => tables
  |> aggregateWindow(every: $step, fn: fn, createEmpty: false, timeSrc: "_start")
  |> map(fn: (r) => ({r with _field: prefix + r._field}))

union(tables: [gauges |> rollup(fn: mean, prefix: "mean_"), gauges |> rollup(fn: max, prefix: "max_"), data |> rollup(fn: last, prefix: "last_")])
  |> to(bucket: "${INFLUX_BUCKET}_$step")
FLUX
}

# The task of a step: once a step, the last two whole steps (a sample up to a step late
# still counts), as the CQ's RESAMPLE FOR does.
task_flux() {
  printf 'option task = {name: "%s", every: %s}\n\n' "$(task_name "$1")" "$1"
  flux "range(start: -$(twice "$1"))" "$1"
}

json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# id_of_named NAME: the "id" of the first object named NAME in a list answer.
id_of_named() {
  tr -d '\n' | { grep -o "\"id\":[[:space:]]*\"[0-9a-f]*\"[^{}]*\"name\":[[:space:]]*\"$1\"" || true; } | sed -n 's/^"id":[[:space:]]*"\([0-9a-f]*\)".*/\1/p' | head -n 1
}

setup_1x() {
  local step
  if [[ -n $raw_retention ]]; then
    influxql "ALTER RETENTION POLICY \"autogen\" ON \"$INFLUX_DB\" DURATION $raw_retention" >/dev/null
  fi
  for step in $STEPS; do
    if [[ $(influxql "SHOW RETENTION POLICIES ON \"$INFLUX_DB\"") == *"[\"$(rp "$step")\","* ]]; then
      influxql "ALTER RETENTION POLICY \"$(rp "$step")\" ON \"$INFLUX_DB\" DURATION $rollup_retention" >/dev/null
    else
      influxql "CREATE RETENTION POLICY \"$(rp "$step")\" ON \"$INFLUX_DB\" DURATION $rollup_retention REPLICATION 1" >/dev/null
    fi
    influxql "DROP CONTINUOUS QUERY \"$(task_name "$step")\" ON \"$INFLUX_DB\"" >/dev/null 2>&1 || true
    influxql "CREATE CONTINUOUS QUERY \"$(task_name "$step")\" ON \"$INFLUX_DB\" RESAMPLE EVERY $step FOR $(twice "$step") BEGIN $(statement "" "$step") END" >/dev/null
  done
}

setup_2x() {
  local retention bucket_id dbrps task_id step bucket
  if [[ -n $raw_retention ]]; then
    bucket_id=$(api GET "/api/v2/buckets?orgID=$INFLUX_ORG_ID&name=$INFLUX_BUCKET" | id_of_named "$INFLUX_BUCKET")
    [[ -n $bucket_id ]] || die "no bucket $INFLUX_BUCKET"
    api PATCH "/api/v2/buckets/$bucket_id" -H 'Content-Type: application/json' \
      -d "{\"retentionRules\":[{\"type\":\"expire\",\"everySeconds\":$(duration_seconds "$raw_retention")}]}" >/dev/null
  fi
  retention=$(duration_seconds "$rollup_retention")
  for step in $STEPS; do
    bucket=${INFLUX_BUCKET}_$step
    bucket_id=$(api GET "/api/v2/buckets?orgID=$INFLUX_ORG_ID&name=$bucket" | id_of_named "$bucket")
    if [[ -z $bucket_id ]]; then
      bucket_id=$(api POST /api/v2/buckets -H 'Content-Type: application/json' \
        -d "{\"orgID\":\"$INFLUX_ORG_ID\",\"name\":\"$bucket\",\"retentionRules\":[{\"type\":\"expire\",\"everySeconds\":$retention}]}" |
        tr -d '\n' | sed -n 's/^{[[:space:]]*"id":[[:space:]]*"\([0-9a-f]*\)".*/\1/p')
      [[ -n $bucket_id ]] || die "creating bucket $bucket gave no id"
    fi
    dbrps=$(api GET "/api/v2/dbrps?orgID=$INFLUX_ORG_ID&db=$INFLUX_DB&rp=$(rp "$step")")
    if [[ $dbrps != *"\"bucketID\""* ]]; then
      api POST /api/v2/dbrps -H 'Content-Type: application/json' \
        -d "{\"orgID\":\"$INFLUX_ORG_ID\",\"bucketID\":\"$bucket_id\",\"database\":\"$INFLUX_DB\",\"retention_policy\":\"$(rp "$step")\",\"default\":false}" >/dev/null
    fi
    task_id=$(api GET "/api/v2/tasks?orgID=$INFLUX_ORG_ID&name=$(task_name "$step")" | id_of_named "$(task_name "$step")")
    if [[ -n $task_id ]]; then
      api DELETE "/api/v2/tasks/$task_id" >/dev/null
    fi
    api POST /api/v2/tasks -H 'Content-Type: application/json' \
      -d "{\"orgID\":\"$INFLUX_ORG_ID\",\"status\":\"active\",\"flux\":$(json_string "$(task_flux "$step")")}" >/dev/null
  done
}

# backfill FROM TO: each tier's steps that overlap [FROM, TO), whole (a step's rollup is
# computed from all its 1-s samples).
backfill() {
  local step seconds from to
  for step in $STEPS; do
    seconds=$((${step%m} * 60))
    from=$(date -u -d "@$(($(date -u -d "$1" +%s) / seconds * seconds))" +%Y-%m-%dT%H:%M:%SZ)
    to=$(date -u -d "@$((($(date -u -d "$2" +%s) + seconds - 1) / seconds * seconds))" +%Y-%m-%dT%H:%M:%SZ)
    if [[ $INFLUX_VERSION == 2.* ]]; then
      api POST "/api/v2/query?orgID=$INFLUX_ORG_ID" -H 'Content-Type: application/vnd.flux' -H 'Accept: application/csv' \
        --data-binary "$(flux "range(start: $from, stop: $to)" "$step")" >/dev/null
    else
      influxql "$(statement "time >= '$from' AND time < '$to'" "$step")" >/dev/null
    fi
  done
}

# check_minute T: T must be an RFC 3339 time on a whole minute (the rollup's buckets).
check_minute() {
  [[ $1 =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:00(\.0+)?)?Z$ ]] || die "'$1' is not an RFC 3339 UTC time on a whole minute (e.g. 2025-12-04T10:30:00Z)"
}

case $1 in
  setup)
    if [[ $INFLUX_VERSION == 2.* ]]; then setup_2x; else setup_1x; fi
    echo "15-rollups.sh: rollups of $INFLUX_DB set up on InfluxDB $INFLUX_VERSION at $INFLUX_URL (raw: ${raw_retention:-retention unchanged}, rollups of ${STEPS// /, }: $rollup_retention)" >&2
    ;;
  backfill)
    [[ $# == 3 ]] || die "usage: $0 backfill FROM TO"
    check_minute "$2"
    check_minute "$3"
    backfill "$2" "$3"
    ;;
  statement | flux)
    [[ $# -le 2 ]] || die "usage: $0 $1 [STEP]"
    for step in ${2:-$STEPS}; do
      check_step "$step"
      if [[ $1 == statement ]]; then statement "" "$step"; else task_flux "$step"; fi
    done
    ;;
  *) die "unknown command '$1': want setup, backfill, statement, flux or steps" ;;
esac
