#!/bin/bash
# Run once by the influxdb:2.7 image's entrypoint after its first setup (after
# 10-dbrp.sh), against the temporary setup server at $INFLUX_HOST.
#
# The admin token stays with InfluxDB. The exporter and Grafana each get a v1
# authorization (a user name and password, which InfluxDB 2.x accepts on /write
# and /query) scoped to the one bucket:
#   INFLUX_WRITER_USER  write on the bucket, nothing else (the exporter)
#   INFLUX_READER_USER  read on the bucket, nothing else (Grafana's data source):
#                       InfluxQL in raw mode cannot reach any other bucket.
# v1 authorizations because InfluxDB 2.x makes up the value of an API token
# itself; a password can come from .env, so no token has to be handed from
# this container to the others.
#
# curl instead of the influx CLI so that the script runs against any InfluxDB 2.7
# (provisioning/influxinit_test.go runs it against the test server).
set -euo pipefail

for name in INFLUX_HOST DOCKER_INFLUXDB_INIT_ADMIN_TOKEN DOCKER_INFLUXDB_INIT_ORG_ID \
  DOCKER_INFLUXDB_INIT_BUCKET_ID INFLUX_WRITER_USER INFLUX_WRITER_PASSWORD \
  INFLUX_READER_USER INFLUX_READER_PASSWORD; do
  [[ -n ${!name:-} ]] || { echo "20-least-privilege.sh: $name is not set" >&2; exit 1; }
done
if [[ $INFLUX_WRITER_USER == "$INFLUX_READER_USER" ]]; then
  echo "20-least-privilege.sh: INFLUX_WRITER_USER and INFLUX_READER_USER are both '$INFLUX_READER_USER': each needs its own" >&2
  exit 1
fi

# json_string VALUE: VALUE as a JSON string. Control characters are refused:
# nobody types them into .env on purpose.
json_string() {
  local value=$1
  if [[ $value =~ [[:cntrl:]] ]]; then
    echo "20-least-privilege.sh: a user name or password holds a control character" >&2
    return 1
  fi
  value=${value//\\/\\\\}
  printf '"%s"' "${value//\"/\\\"}"
}

# api METHOD PATH BODY: the admin's call; prints the answer, fails with InfluxDB's message.
api() {
  local answer status
  answer=$(curl -sS -X "$1" "$INFLUX_HOST$2" -H "Authorization: Token $DOCKER_INFLUXDB_INIT_ADMIN_TOKEN" \
    -H 'Content-Type: application/json' --data-binary "$3" -w '\n%{http_code}')
  status=${answer##*$'\n'}
  answer=${answer%$'\n'*}
  if [[ $status != 2?? ]]; then
    echo "20-least-privilege.sh: $1 $2: HTTP $status: $answer" >&2
    return 1
  fi
  printf '%s' "$answer"
}

# bucket_id NAME: the id of the org's bucket NAME, empty when there is none.
bucket_id() {
  curl -sS "$INFLUX_HOST/api/v2/buckets?orgID=$DOCKER_INFLUXDB_INIT_ORG_ID&name=$1" \
    -H "Authorization: Token $DOCKER_INFLUXDB_INIT_ADMIN_TOKEN" | tr -d '\n' |
    { grep -o '"id":[[:space:]]*"[0-9a-f]*"' || true; } | head -n 1 | grep -o '[0-9a-f]\{16\}' || true
}

# authorize USER PASSWORD ACTION BUCKET_ID...: a v1 authorization for USER that may only
# ACTION (read or write) those buckets.
authorize() {
  local name=$1 user password action=$3 created id bucket permissions=""
  user=$(json_string "$1")
  password=$(json_string "$2")
  shift 3
  for bucket in "$@"; do
    permissions+="${permissions:+,}{\"action\":\"$action\",\"resource\":{\"type\":\"buckets\",
    \"orgID\":\"$DOCKER_INFLUXDB_INIT_ORG_ID\",\"id\":\"$bucket\"}}"
  done
  created=$(api POST /private/legacy/authorizations "{\"orgID\":\"$DOCKER_INFLUXDB_INIT_ORG_ID\",\"token\":$user,
    \"description\":\"VM Telemetry: $action only, bucket $*\",
    \"permissions\":[$permissions]}")
  # The authorization's own id is the first "id" of the answer.
  id=$(grep -o '"id": *"[0-9a-f]*"' <<<"$created" | head -n 1 | grep -o '[0-9a-f]\{16\}')
  [[ -n $id ]] || { echo "20-least-privilege.sh: no authorization id in: $created" >&2; return 1; }
  api POST "/private/legacy/authorizations/$id/password" "{\"password\":$password}" >/dev/null
  echo "20-least-privilege.sh: $name may $action bucket $* only"
}

# The reader also reads the bucket's rollups (15-rollups.sh: <bucket>_<step> of each of its
# steps), where they exist; the writer never writes them (InfluxDB's tasks do). 2.7's InfluxQL
# reads any retention policy of the reader's database without these grants (measured,
# provisioning/rollups_test.go); Flux, and a stricter InfluxDB, need them.
bucket_name=$(curl -sS "$INFLUX_HOST/api/v2/buckets/$DOCKER_INFLUXDB_INIT_BUCKET_ID" \
  -H "Authorization: Token $DOCKER_INFLUXDB_INIT_ADMIN_TOKEN" | tr -d '\n' |
  { grep -o '"name":[[:space:]]*"[^"]*"' || true; } | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')
rollup_bucket_ids=()
if [[ -n $bucket_name ]]; then
  for step in $("$(dirname "$0")/15-rollups.sh" steps); do
    id=$(bucket_id "${bucket_name}_$step")
    if [[ -n $id ]]; then rollup_bucket_ids+=("$id"); fi
  done
fi

authorize "$INFLUX_WRITER_USER" "$INFLUX_WRITER_PASSWORD" write "$DOCKER_INFLUXDB_INIT_BUCKET_ID"
authorize "$INFLUX_READER_USER" "$INFLUX_READER_PASSWORD" read "$DOCKER_INFLUXDB_INIT_BUCKET_ID" "${rollup_bucket_ids[@]}"
