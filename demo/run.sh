#!/usr/bin/env bash
# `npm run demo`: the whole VM Telemetry stack on a bare Linux machine, no Docker.
#
# Installs what is missing (Debian packages through scripts/install-deps.sh; InfluxDB
# 1.8 built with `go install`; the small test guest; the exporter), then starts:
#   - InfluxDB 1.8 on a free port of 127.0.0.1
#   - libvirtd inside the network namespace vmt-demo, with two small real QEMU guests
#     (vmt-demo-quiet: idle; vmt-demo-busy: CPU, disk and network load)
#   - the exporter, writing every second, its HTTP port on 127.0.0.1
#   - Grafana with this plugin and provisioning/, when a Grafana server is installed
#     (`grafana` or `grafana-server` on PATH, or GRAFANA_HOME)
# prints where to look, and runs until Ctrl-C (or SIGTERM), which stops everything it
# started, in reverse order, leaving no process and no namespace behind.
#
# Needs root (libvirtd, QEMU, network namespaces). Environment:
#   VMT_DEMO_DIR   state folder (default /var/tmp/vmt-demo); logs stay there afterwards
#   GRAFANA_HOME   a Grafana installation (its bin/grafana or bin/grafana-server)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib/common.sh"
readonly NETNS=vmt-demo QUIET=vmt-demo-quiet BUSY=vmt-demo-busy PLUGIN_ID=vmtelemetry-libvirt-datasource
state=${VMT_DEMO_DIR:-/var/tmp/vmt-demo}

[[ $(id -u) == 0 ]] || die "the demo runs libvirtd, QEMU and a network namespace: run it as root"

# Everything started is recorded here, and stopped in reverse order on exit.
stoppers=()
on_exit() {
  local status=$?
  trap - EXIT INT TERM
  if ((${#stoppers[@]})); then
    log "stopping the demo"
    local i
    for ((i = ${#stoppers[@]} - 1; i >= 0; i--)); do
      eval "${stoppers[i]}" || log "warning: '${stoppers[i]}' failed"
    done
  fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# stop_pid PID NAME: SIGTERM, SIGKILL after 15 s, then reap.
stop_pid() {
  kill -TERM "$1" 2>/dev/null || return 0
  wait_until 15 bash -c "! kill -0 $1 2>/dev/null" || kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

find_grafana() {
  local candidate
  for candidate in ${GRAFANA_HOME:+"$GRAFANA_HOME/bin/grafana" "$GRAFANA_HOME/bin/grafana-server"} \
    "$(command -v grafana || true)" "$(command -v grafana-server || true)"; do
    [[ -n $candidate && -x $candidate ]] && { echo "$candidate"; return; }
  done
  return 0 # none: the demo runs without Grafana
}

mkdir -p "$state"
state=$(cd "$state" && pwd)

# --- install and build what is missing ------------------------------------------------
log "checking prerequisites (Debian packages, InfluxDB 1.8, guest image, exporter)"
"$VMT_SCRIPTS/install-deps.sh"
"$VMT_SCRIPTS/influxdb/build.sh" 1.8 >/dev/null
"$VMT_SCRIPTS/guest/build.sh" >/dev/null
if [[ ! -d $repo/exporter/node_modules ]]; then
  (cd "$repo/exporter" && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd "$repo/exporter" && npm run --silent build)
grafana=$(find_grafana)
if [[ -n $grafana ]]; then
  log "Grafana found at $grafana: building the plugin"
  [[ -d $repo/node_modules ]] || (cd "$repo" && npm ci --no-audit --no-fund --loglevel=error)
  (cd "$repo" && npm run --silent build)
  (cd "$repo" && CGO_ENABLED=0 go build -o "dist/gpx_vmtelemetry_$(go env GOOS)_$(go env GOARCH)" ./pkg)
fi

# --- InfluxDB ---------------------------------------------------------------------------
rm -rf "$state/influxdb"
eval "$("$VMT_SCRIPTS/influxdb/start.sh" 1.8 "$state/influxdb")"
stoppers+=("'$VMT_SCRIPTS/influxdb/stop.sh' '$state/influxdb'")
# The contract's retention: 1-s samples for 7 days, their 1- and 10-minute rollups
# (continuous queries) for 400 days; the provisioned data source reads long ranges from
# the rollups.
INFLUX_URL=$INFLUX_URL INFLUX_VERSION=$INFLUX_VERSION INFLUX_DB=$INFLUX_DB VMT_RAW_RETENTION=7d \
  "$repo/provisioning/influxdb/init/15-rollups.sh" setup

# --- libvirtd and two guests --------------------------------------------------------------
busy_load=all
if libvirt_env=$("$VMT_SCRIPTS/libvirt/start.sh" --netns "$NETNS"); then
  eval "$libvirt_env"
else
  # A libvirtd already runs in the host's network namespace (a real hypervisor host, or
  # another test): use it as it is. The busy guest then sends no network traffic, which
  # would need the namespace.
  log "using the libvirtd that already runs; $BUSY gets CPU and disk load only"
  eval "$("$VMT_SCRIPTS/libvirt/start.sh")"
  busy_load=cpu,disk
fi
if [[ $LIBVIRT_STARTED == 1 ]]; then
  stoppers+=("'$VMT_SCRIPTS/libvirt/stop.sh' ${LIBVIRT_NETNS:+--netns '$LIBVIRT_NETNS'}")
fi
for guest in "$QUIET:idle" "$BUSY:$busy_load"; do
  name=${guest%%:*}
  "$VMT_SCRIPTS/guest/stop.sh" "$name" || true # a guest left by a run that was killed hard
  stoppers+=("'$VMT_SCRIPTS/guest/stop.sh' '$name'")
  "$VMT_SCRIPTS/guest/start.sh" --dir "$state/guests/$name" "$name" "${guest#*:}" >/dev/null
done

# --- exporter -----------------------------------------------------------------------------
exporter_addr=127.0.0.1:$(free_port)
node "$repo/exporter/dist/src/cli.js" --libvirt-uri qemu:///system --libvirt-socket "$LIBVIRT_SOCK_RO" \
  --influx-url "$INFLUX_URL" --influx-api v2 --influx-database "$INFLUX_DB" \
  --interval 1s --listen "$exporter_addr" >"$state/exporter.log" 2>&1 &
exporter_pid=$!
stoppers+=("stop_pid $exporter_pid")
# Until it answers, each try fails (503 while it connects): silent, only the outcome is told.
log "waiting for the exporter at $exporter_addr"
wait_until 30 curl -fs -o /dev/null "http://$exporter_addr/healthz" ||
  die "the exporter did not answer on $exporter_addr (log: $state/exporter.log)"

# --- Grafana (when installed) -------------------------------------------------------------
grafana_url=
if [[ -n $grafana ]]; then
  gf=$state/grafana
  rm -rf "$gf/provisioning" "$gf/plugins"
  mkdir -p "$gf/data" "$gf/logs" "$gf/plugins" "$gf/provisioning"
  ln -s "$repo/dist" "$gf/plugins/$PLUGIN_ID"
  cp -r "$repo/provisioning/datasources" "$repo/provisioning/dashboards" "$repo/provisioning/alerting" "$gf/provisioning/"
  # The provisioning files name the compose stack's hosts and folders: point them here.
  sed -i "s#^\(\s*url:\s*\).*#\1$INFLUX_URL#" "$gf/provisioning/datasources/"*.yaml
  sed -i "s#/etc/grafana/provisioning/dashboards#$gf/provisioning/dashboards#" "$gf/provisioning/dashboards/"*.yaml
  grafana_port=$(free_port)
  grafana_url=http://127.0.0.1:$grafana_port
  admin_password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  homepath=${GRAFANA_HOME:-$(dirname "$(dirname "$(readlink -f "$grafana")")")}
  [[ -d $homepath/public ]] || homepath=/usr/share/grafana
  subcommand=()
  [[ $(basename "$grafana") == grafana ]] && subcommand=(server)
  # InfluxDB 1.8 runs without authentication here: any user is accepted.
  INFLUX_READER_USER=demo INFLUX_READER_PASSWORD=demo \
    GF_PATHS_DATA=$gf/data GF_PATHS_LOGS=$gf/logs GF_PATHS_PLUGINS=$gf/plugins \
    GF_PATHS_PROVISIONING=$gf/provisioning GF_SERVER_HTTP_ADDR=127.0.0.1 GF_SERVER_HTTP_PORT=$grafana_port \
    GF_SECURITY_ADMIN_PASSWORD=$admin_password GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=$PLUGIN_ID \
    GF_ANALYTICS_REPORTING_ENABLED=false GF_ANALYTICS_CHECK_FOR_UPDATES=false GF_NEWS_NEWS_FEED_ENABLED=false \
    "$grafana" "${subcommand[@]}" --homepath "$homepath" >"$gf/logs/stdout.log" 2>&1 &
  grafana_pid=$!
  stoppers+=("stop_pid $grafana_pid")
  log "waiting for Grafana at $grafana_url"
  wait_until 90 curl -fs -o /dev/null "$grafana_url/api/health" ||
    die "Grafana did not answer on $grafana_url (log: $gf/logs/stdout.log)"
fi

cat <<MSG

  VM Telemetry demo is running (Ctrl-C stops everything it started).

  Exporter, seed JSON      http://$exporter_addr/api/telemetry/vm-telemetry
  Exporter health/metrics  http://$exporter_addr/healthz   http://$exporter_addr/metrics
  InfluxDB 1.8             $INFLUX_URL   (database $INFLUX_DB)
  Guests                   $QUIET (idle), $BUSY ($busy_load)
                           virsh -c qemu:///system list
MSG
if [[ -n $grafana_url ]]; then
  cat <<MSG
  Grafana                  $grafana_url/d/vm-telemetry   (user admin, password $admin_password)
MSG
else
  cat <<MSG
  Grafana                  not installed here: put 'grafana' on PATH or set GRAFANA_HOME,
                           or run the compose stack (docker compose up) where Docker runs.
MSG
fi
echo "  Logs                     $state"
echo

# Wait for Ctrl-C; a part that dies on its own ends the demo too.
while :; do
  for pid in "$exporter_pid" ${grafana_pid:-}; do
    kill -0 "$pid" 2>/dev/null || die "a demo process (pid $pid) exited; logs in $state"
  done
  sleep 1 &
  wait $! || true
done
