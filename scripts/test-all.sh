#!/usr/bin/env bash
# The project's one test command (`npm test`; CI runs it as root on a fresh Debian 12).
# Installs what is missing, starts the system libvirtd inside network namespace "vmt"
# for the run (or reuses it; stopped at the end only by the run that started it, and
# not while another run or test still uses it: scripts/libvirt/stop.sh), then runs every test in four lanes at the same time, the phases of a
# lane one after the other (a phase that needs another lane's work waits for it):
#   builds    (background) InfluxDB 1.8/2.7, the test guest, and the plugin executable
#             with the SDK's mage target build:backend into dist/: every Go test
#             launches that one (VMT_PLUGIN_EXECUTABLE)
#   frontend  npm ci (when node_modules is older than the lock file); npm run
#             build (first: the e2e lane waits for it), typecheck, lint, test:ci.
#             CPU-bound work, one at a time.
#   exporter  npm --prefix exporter ci (same rule); its unit, then (after the InfluxDB and
#             guest builds) its integration tests
#             (three files at a time); npm run lint:go (gofmt, go vet, staticcheck)
#   system    the scripts' self-tests (shellcheck; InfluxDB 1.6/1.8/2.7 servers; a real
#             guest's stats); go test -tags integration ./... (after the exporter's
#             npm ci: Go tests run the exporter)
#   e2e       (after the builds, the exporter's npm ci and the frontend build) go test
#             -tags e2e; plugin-e2e; the browser tests on the frontend build
# Those lanes mostly wait for servers, daemons and guests, so they share 2 cores well.
# Each phase's output is printed when it ends. The phases are listed in docs/TESTING.md.
# Every phase runs even when an earlier one failed; the summary lists each with its
# start and duration, and the exit status is 1 when any failed. Exports VMT_CACHE,
# VMT_SCRIPTS and VMT_PLUGIN_EXECUTABLE.
set -euo pipefail
usage() { echo "usage: $0" >&2; exit 2; }
[[ $# -eq 0 ]] || usage
source "$(dirname "$0")/lib/common.sh"
root=$(cd "$VMT_SCRIPTS/.." && pwd)
cd "$root"
readonly NETNS=vmt
run_started=$SECONDS
# busy_cpu: CPU seconds all processes of the machine have used since boot (the whole
# run's CPU is the difference: the daemons' too, and that of anything else running).
busy_cpu() { awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" { printf "%d\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat; }
busy_at_start=$(busy_cpu)
# Phase records (one file each: STATUS START SECONDS NAME) and outputs of this run.
state=$(mktemp -d "${TMPDIR:-/tmp}/vmt-test-all.XXXXXX")

# slug NAME: the phase's file name.
slug() { tr -c 'A-Za-z0-9.\n-' _ <<<"$1"; }

# phase [--after OTHER]... NAME CMD...: runs CMD (once the OTHER phases have ended, which
# must have passed) with its output in a file, then prints that output under the phase's
# name (one phase at a time, whichever lane it ran in), and records its status and
# times. Never stops the run.
phase() {
  local deps=()
  while [[ $1 == --after ]]; do deps+=("$2"); shift 2; done
  local name=$1; shift
  local file status=0
  file=$state/$(slug "$name")
  if ((${#deps[@]})); then after "${deps[@]}" >"$file.out" 2>&1 || status=$?; fi
  local started=$SECONDS cpu_before cpu_after
  children_cpu cpu_before
  if ((status == 0)); then
    log "=== $name: started"
    "$@" >"$file.out" 2>&1 </dev/null || status=$?
  fi
  children_cpu cpu_after
  echo "$status $((started - run_started)) $((SECONDS - started)) $((cpu_after - cpu_before)) $name" >"$file.done"
  (
    flock 9
    echo "=== $name: $*"
    cat "$file.out"
    if ((status == 0)); then echo "=== $name: ok"; else echo "=== $name: FAILED (exit $status)"; fi
  ) 9>"$state/print.lock"
}
# children_cpu VAR: sets VAR to the CPU seconds (user + system) of the processes this
# shell has waited for. `times` runs in this shell: in a $(...) subshell it counts from 0.
children_cpu() {
  local file=$state/times.$BASHPID
  times >"$file"
  printf -v "$1" %s "$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, "m"); t += a[1] * 60 + a[2] } printf "%d", t }' "$file")"
}
skip() { echo "$1" >"$state/$(slug "$1").skip"; echo "$2" >>"$state/$(slug "$1").skip"; }

# after NAME...: waits until those phases have ended; fails, naming it, when one failed.
after() {
  local name file
  for name in "$@"; do
    file=$state/$(slug "$name")
    until [[ -f $file.done || -f $file.skip ]]; do sleep 1; done
    if [[ -f $file.done && $(cut -d' ' -f1 "$file.done") != 0 ]]; then
      echo "not run: phase \"$name\" failed"
      return 1
    fi
  done
}

# npm_ci DIR: `npm ci` unless DIR/node_modules was installed at or after the last change of
# package.json and package-lock.json (npm writes node_modules/.package-lock.json).
npm_ci() {
  local marker=$1/node_modules/.package-lock.json
  if [[ -f $marker && ! $1/package-lock.json -nt $marker && ! $1/package.json -nt $marker ]]; then
    echo "$1/node_modules is up to date with package-lock.json: npm ci not needed"
    return
  fi
  npm --prefix "$1" ci --no-audit --no-fund
}

has_npm_script() { # DIR SCRIPT
  node -e 'const p=require(process.argv[1]+"/package.json");process.exit(p.scripts&&p.scripts[process.argv[2]]?0:1)' "$1" "$2"
}

# --- background builds -------------------------------------------------------------
# Each is a phase ("build: NAME") started now, its output in
# $VMT_CACHE/logs/test-all-build-NAME.log (the end of it printed when it fails).
declare -a build_pids=()
start_build() { # NAME CMD...
  local name=$1; shift
  phase "build: $name" build_logged "$name" "$@" &
  build_pids+=($!)
}
build_logged() { # NAME CMD...
  local log=$VMT_CACHE/logs/test-all-build-${1// /-}.log status=0
  shift
  "$@" >"$log" 2>&1 || status=$?
  ((status == 0)) || tail -n 30 "$log"
  return "$status"
}

declare -a lane_pids=()
libvirt_started=0
cleanup() {
  local pid
  for pid in "${build_pids[@]}" "${lane_pids[@]}"; do
    pkill -TERM -P "$pid" 2>/dev/null || true # what the build or lane runs now
    kill "$pid" 2>/dev/null || true
  done
  if ((libvirt_started)); then "$VMT_SCRIPTS/libvirt/stop.sh" --netns "$NETNS" || true; fi
}
trap cleanup EXIT

phase install-deps "$VMT_SCRIPTS/install-deps.sh"
start_build "influxd 1.8" "$VMT_SCRIPTS/influxdb/build.sh" 1.8
start_build "influxd 2.7" "$VMT_SCRIPTS/influxdb/build.sh" 2.7
start_build guest "$VMT_SCRIPTS/guest/build.sh"
VMT_PLUGIN_EXECUTABLE=$root/dist/gpx_vmtelemetry_$(go env GOOS)_$(go env GOARCH)
export VMT_PLUGIN_EXECUTABLE
start_build "plugin executable" go run github.com/magefile/mage -v build:backend

# --- libvirtd for the whole run, in network namespace $NETNS (guest traffic stays there)
start_libvirt() {
  local out
  out=$("$VMT_SCRIPTS/libvirt/start.sh" --netns "$NETNS") || return
  eval "$out"
  [[ $LIBVIRT_STARTED == 1 ]] && libvirt_started=1
  export LIBVIRT_URI LIBVIRT_SOCK LIBVIRT_SOCK_RO LIBVIRT_NETNS
}
phase "libvirtd (netns $NETNS)" start_libvirt

# --- lanes --------------------------------------------------------------------------
# What the Go tests run.
builds=(--after "build: influxd 1.8" --after "build: influxd 2.7" --after "build: guest" --after "build: plugin executable")
frontend_lane() {
  if [[ -f package.json && -d src ]]; then
    phase "frontend: npm ci" npm_ci .
    local script
    # The build first: the e2e lane waits for it, the checks wait for nobody.
    for script in build typecheck lint test:ci; do
      if has_npm_script . "$script"; then phase "frontend: $script" npm run "$script"; else skip "frontend: $script" "no npm script"; fi
    done
  else
    skip "frontend: build" "no package.json or src/"
  fi
}

exporter_lane() {
  if [[ -f exporter/package.json ]]; then
    phase "exporter: npm ci" npm_ci exporter
    phase "exporter: unit tests" npm --prefix exporter run test:unit
    # Its tests start InfluxDB 1.6/1.8/2.7 and guests: from a cold cache, they waited on
    # the builds' locks in their own timeouts, and InfluxDB 2.7's build outlasts them.
    phase --after "build: influxd 1.8" --after "build: influxd 2.7" --after "build: guest" "exporter: integration tests" npm --prefix exporter run test:integration
  else
    skip "exporter: npm ci" "no exporter/package.json"
  fi
  # Here because this lane ends first.
  if [[ -f go.mod ]] && has_npm_script . lint:go; then
    phase "go: lint (gofmt, vet, staticcheck)" npm run lint:go
  else
    skip "go: lint" "no go.mod or npm script lint:go"
  fi
}

system_lane() {
  phase "infra: shellcheck scripts/" bash -c 'shellcheck -x -S warning $(find "$VMT_SCRIPTS" -name "*.sh")'
  phase "infra: influxdb 1.6" "$VMT_SCRIPTS/influxdb/check.sh" 1.6
  local version
  for version in 1.8 2.7; do
    phase --after "build: influxd $version" "infra: influxdb $version" "$VMT_SCRIPTS/influxdb/check.sh" "$version"
  done
  phase --after "build: guest" "infra: guest stats" "$VMT_SCRIPTS/guest/check.sh" cpu:25,disk,net
  if [[ -f go.mod ]]; then
    # Unit and golden tests, and those behind the integration tag: real InfluxDB,
    # libvirtd, the built plugin executable (docs/TESTING.md). e2e/ has its own tag.
    # After both npm ci phases: tests run the exporter (tsx) and webpack (the archive test).
    phase "${builds[@]}" --after "exporter: npm ci" --after "frontend: npm ci" "go: go test -tags integration" go test -tags integration -count=1 -timeout 20m ./...
  else
    skip "go: go test" "no go.mod"
  fi
}

# Beside the Go integration tests rather than after them: both mostly wait for guests,
# servers and the launched plugin.
e2e_lane() {
  if [[ -f package.json ]] && has_npm_script . e2e; then
    # npm run e2e is `npm run build` and then these.
    phase "${builds[@]}" --after "exporter: npm ci" --after "frontend: build" "e2e: go test -tags e2e" go test -tags e2e -count=1 -v -timeout 45m ./e2e/
    phase "e2e: plugin-e2e" node e2e/plugin-e2e/run.mjs
  else
    skip "e2e" "no npm script e2e"
  fi
  # test:browser is `npm run build` and then this.
  if [[ -f package.json && -f test/browser/run.mjs ]]; then
    phase --after "frontend: build" "frontend: browser (on that build)" node test/browser/run.mjs
  else
    skip "frontend: browser" "no test/browser/run.mjs"
  fi
}

frontend_lane &
lane_pids+=($!)
exporter_lane &
lane_pids+=($!)
system_lane &
lane_pids+=($!)
e2e_lane &
lane_pids+=($!)
for pid in "${lane_pids[@]}"; do wait "$pid" || true; done
lane_pids=()

trap - EXIT
cleanup
echo
echo "==== npm test: phase timings (wall seconds; the lanes ran at the same time) ===="
row() { printf '| %-36s | %-7s | %5s | %7s | %7s | %s\n' "$@"; }
row phase result start seconds "CPU s" note
printf '|%s|%s|%s|%s|%s|%s\n' "$(printf -- '-%.0s' {1..38})" "$(printf -- '-%.0s' {1..9})" "------:" "$(printf -- '-%.0s' {1..8}):" "$(printf -- '-%.0s' {1..8}):" "------"
for file in "$state"/*.done "$state"/*.skip; do
  [[ -e $file ]] || continue
  if [[ $file == *.skip ]]; then
    { read -r name; read -r why; } <"$file"
    printf '%s\t%s\n' 999999 "$(row "$name" skipped "" "" "" "$why")"
    continue
  fi
  read -r status start took cpu name <"$file"
  if ((status == 0)); then result=ok note=""; else result=FAILED note="exit $status"; fi
  printf '%s\t%s\n' "$start" "$(row "$name" "$result" "$start" "$took" "$cpu" "$note")"
done | sort -n -s -k1,1 | cut -f2-
row "total" "" "" "$((SECONDS - run_started))" "$(($(busy_cpu) - busy_at_start))" "CPU s: of the phase's processes (not of the daemons they started); total: of the whole machine ($(nproc) cores: at most $(nproc) x seconds). Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
failed=0
grep -qv '^0 ' "$state"/*.done && failed=1
rm -rf "$state"
if ((failed)); then
  echo "RESULT: FAILED"
  exit 1
fi
echo "RESULT: all passed"
