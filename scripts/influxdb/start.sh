#!/usr/bin/env bash
# Starts an InfluxDB server for a test, on free ports of 127.0.0.1, with its data,
# config and log in WORKDIR, waits until it answers, creates the database
# vm_telemetry, and prints sourceable lines on stdout:
#   INFLUX_VERSION INFLUX_URL INFLUX_PID INFLUX_DB INFLUX_RP INFLUX_LOG
#   and on 2.7: INFLUX_ORG INFLUX_ORG_ID INFLUX_BUCKET INFLUX_BUCKET_ID INFLUX_TOKEN
#               INFLUX_USERNAME INFLUX_PASSWORD INFLUX_WRITER_USER INFLUX_WRITER_PASSWORD
#               INFLUX_READER_USER INFLUX_READER_PASSWORD
# (2.7: set up through POST /api/v2/setup, plus a DBRP mapping vm_telemetry/autogen ->
# the bucket so InfluxQL on /query works, plus the compose stack's write-only and
# read-only v1 users (provisioning/influxdb/init/20-least-privilege.sh); 1.8: Flux
# enabled on /api/v2/query.)
# Run again on the same WORKDIR while the server lives: prints the same lines. Run
# again after stop.sh WORKDIR: starts the same server again (same port, data and
# credentials; only INFLUX_PID changes), as a test of an outage does.
# Stop with scripts/influxdb/stop.sh WORKDIR. If the calling process (VMT_OWNER_PID
# overrides, 0 disables) exits without doing so, the server is stopped for it.
set -euo pipefail
usage() { echo "usage: $0 1.6|1.8|2.7 WORKDIR" >&2; exit 2; }
[[ $# -eq 2 && $1 =~ ^(1\.6|1\.8|2\.7)$ ]] || usage
source "$(dirname "$0")/../lib/common.sh"

version=$1
mkdir -p "$2"
workdir=$(cd "$2" && pwd)
env_file=$workdir/influx.env
log_file=$workdir/influxd.log
readonly DATABASE=vm_telemetry RETENTION_POLICY=autogen ORG=vmt READY_TIMEOUT_S=90
readonly WRITER=vmt-exporter READER=vmt-grafana

case $version in
  1.6)
    [[ -x /usr/bin/influxd ]] || "$VMT_SCRIPTS/install-deps.sh" >&2
    binary=/usr/bin/influxd ;;
  1.8|2.7) binary=$("$VMT_SCRIPTS/influxdb/build.sh" "$version") ;;
  *) usage ;;
esac

env_value() { sed -n "s/^$1=//p" "$env_file"; }

already_running() {
  [[ -f $env_file ]] || return 1
  alive "$(env_value INFLUX_PID)" && curl -fsS -o /dev/null "$(env_value INFLUX_URL)/ping"
}

write_config_1x() {
  local http_port=$1 rpc_port=$2
  {
    echo 'reporting-disabled = true'
    echo "bind-address = \"127.0.0.1:$rpc_port\""
    echo '[meta]'
    echo "  dir = \"$workdir/meta\""
    echo '[data]'
    echo "  dir = \"$workdir/data\""
    echo "  wal-dir = \"$workdir/wal\""
    echo '  query-log-enabled = false'
    echo '[monitor]'
    echo '  store-enabled = false'
    echo '[http]'
    echo "  bind-address = \"127.0.0.1:$http_port\""
    echo '  log-enabled = false'
    if [[ $version == 1.8 ]]; then echo '  flux-enabled = true'; fi
  } >"$workdir/influxdb.conf"
}

# launch PORT: starts the server in the background, detached from our stdout (a caller
# reading our output until EOF must not wait for the server) and in its own session.
launch() {
  local port=$1
  cd "$workdir"
  if [[ $version == 2.7 ]]; then
    # An empty config folder: influxd 2 would otherwise read a config file from its cwd.
    mkdir -p "$workdir/config"
    INFLUXD_CONFIG_PATH=$workdir/config setsid "$binary" \
      --bolt-path "$workdir/influxd.bolt" --sqlite-path "$workdir/influxd.sqlite" \
      --engine-path "$workdir/engine" --http-bind-address "127.0.0.1:$port" \
      --reporting-disabled --log-level warn </dev/null >>"$log_file" 2>&1 &
  else
    write_config_1x "$port" "$(free_port)"
    setsid "$binary" -config "$workdir/influxdb.conf" </dev/null >>"$log_file" 2>&1 &
  fi
  pid=$!
  cd - >/dev/null
}

ready() {
  alive "$pid" || return 2
  if [[ $version == 2.7 ]]; then
    curl -fsS "$url/health" 2>/dev/null | grep -q '"status": *"pass"'
  else
    curl -fsS -o /dev/null "$url/ping" 2>/dev/null
  fi
}

# start_server [PORT]: on PORT (a restart: one attempt), else on a free port (3 attempts).
start_server() {
  local attempt status attempts=3
  [[ -n ${1:-} ]] && attempts=1
  for ((attempt = 1; attempt <= attempts; attempt++)); do
    local port=${1:-$(free_port)}
    url=http://127.0.0.1:$port
    launch "$port"
    local deadline=$((SECONDS + READY_TIMEOUT_S))
    while :; do
      status=0; ready || status=$?
      [[ $status == 0 ]] && return
      [[ $status == 2 ]] && break # exited: most likely a port taken meanwhile
      ((SECONDS < deadline)) || { kill "$pid" 2>/dev/null || true; die "influxd $version did not answer within ${READY_TIMEOUT_S}s; log: $log_file"; }
      sleep 0.2
    done
    log "influxd $version exited during start (attempt $attempt); log: $log_file"
    tail -n 5 "$log_file" >&2
  done
  die "influxd $version did not start${1:+ on port $1}; log: $log_file"
}

create_database_1x() {
  curl -fsS -o /dev/null -XPOST "$url/query" --data-urlencode "q=CREATE DATABASE $DATABASE" ||
    die "CREATE DATABASE failed on $url"
}

json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=JSON.parse(s);for(const k of process.argv[1].split("."))v=v[k];console.log(v)})' "$1"; }

setup_2x() {
  token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  local setup dbrp
  setup=$(curl -fsS -XPOST "$url/api/v2/setup" -H 'Content-Type: application/json' \
    -d "{\"username\":\"vmt\",\"password\":\"$password\",\"org\":\"$ORG\",\"bucket\":\"$DATABASE\",\"token\":\"$token\"}") ||
    die "POST /api/v2/setup failed on $url"
  org_id=$(json_field org.id <<<"$setup")
  bucket_id=$(json_field bucket.id <<<"$setup")
  dbrp=$(curl -fsS -XPOST "$url/api/v2/dbrps" -H "Authorization: Token $token" -H 'Content-Type: application/json' \
    -d "{\"orgID\":\"$org_id\",\"bucketID\":\"$bucket_id\",\"database\":\"$DATABASE\",\"retention_policy\":\"$RETENTION_POLICY\",\"default\":true}") ||
    die "POST /api/v2/dbrps failed on $url"
  [[ -n $(json_field id <<<"$dbrp") ]] || die "no DBRP mapping created: $dbrp"
  writer_password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  reader_password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  INFLUX_HOST=$url DOCKER_INFLUXDB_INIT_ADMIN_TOKEN=$token DOCKER_INFLUXDB_INIT_ORG_ID=$org_id \
    DOCKER_INFLUXDB_INIT_BUCKET_ID=$bucket_id INFLUX_WRITER_USER=$WRITER INFLUX_WRITER_PASSWORD=$writer_password \
    INFLUX_READER_USER=$READER INFLUX_READER_PASSWORD=$reader_password \
    "$VMT_SCRIPTS/../provisioning/influxdb/init/20-least-privilege.sh" >&2 ||
    die "the least-privilege users were not created on $url"
}

print_env() {
  echo "INFLUX_VERSION=$version"
  echo "INFLUX_URL=$url"
  echo "INFLUX_PID=$pid"
  echo "INFLUX_DB=$DATABASE"
  echo "INFLUX_RP=$RETENTION_POLICY"
  echo "INFLUX_LOG=$log_file"
  if [[ $version == 2.7 ]]; then
    echo "INFLUX_ORG=$ORG"
    echo "INFLUX_ORG_ID=$org_id"
    echo "INFLUX_BUCKET=$DATABASE"
    echo "INFLUX_BUCKET_ID=$bucket_id"
    echo "INFLUX_TOKEN=$token"
    echo "INFLUX_USERNAME=vmt"
    echo "INFLUX_PASSWORD=$password"
    echo "INFLUX_WRITER_USER=$WRITER"
    echo "INFLUX_WRITER_PASSWORD=$writer_password"
    echo "INFLUX_READER_USER=$READER"
    echo "INFLUX_READER_PASSWORD=$reader_password"
  fi
}

if already_running; then
  cat "$env_file"
  exit 0
fi
started=$SECONDS
pid=
# A server that started but could not be set up is stopped again, never left behind.
trap '[[ -n $pid && ! -f $env_file ]] && kill "$pid" 2>/dev/null; true' EXIT
if [[ -f $env_file ]]; then
  # The server of WORKDIR was stopped: the same one again, already set up.
  [[ $(env_value INFLUX_VERSION) == "$version" ]] ||
    die "$workdir holds an InfluxDB $(env_value INFLUX_VERSION) server, not $version"
  previous_url=$(env_value INFLUX_URL)
  start_server "${previous_url##*:}"
  sed "s/^INFLUX_PID=.*/INFLUX_PID=$pid/" "$env_file" >"$env_file.tmp"
else
  start_server
  if [[ $version == 2.7 ]]; then setup_2x; else create_database_1x; fi
  print_env >"$env_file.tmp"
fi
mv "$env_file.tmp" "$env_file"
stop_with_owner "$pid" "$VMT_SCRIPTS/influxdb/stop.sh" "$workdir"
log "influxd $version ready at $url (pid $pid) in $((SECONDS - started)) s"
cat "$env_file"
