#!/usr/bin/env bash
# The project's one test command (`npm test`; CI runs it as root on a fresh Debian 12).
# Installs what is missing, builds InfluxDB 1.8/2.7 and the test guest in the background
# while the front end is tested, starts the system libvirtd inside network namespace
# "vmt" for the run, then runs each component's tests that exist yet:
#   frontend  npm ci (when node_modules is older than the lock file); npm run typecheck,
#             lint, test:ci, build, test:browser (those that exist)
#   infra     scripts' self-tests (shellcheck; InfluxDB 1.6/1.8/2.7 servers; a real
#             guest's stats)
#   go        npm run lint:go (go vet, staticcheck); go test -tags integration ./...
#   exporter  npm --prefix exporter ci (same rule; before the Go tests, which run the
#             exporter); npm --prefix exporter test
#   e2e       npm run e2e
# The phases are listed in docs/TESTING.md.
# Every phase runs even when an earlier one failed; the summary lists each with its
# time, and the exit status is 1 when any failed. Exports VMT_CACHE and VMT_SCRIPTS.
set -euo pipefail
usage() { echo "usage: $0" >&2; exit 2; }
[[ $# -eq 0 ]] || usage
source "$(dirname "$0")/lib/common.sh"
root=$(cd "$VMT_SCRIPTS/.." && pwd)
cd "$root"
readonly NETNS=vmt
run_started=$SECONDS

declare -a summary=()
failed=0
# phase NAME CMD...: runs CMD, records its status and duration, never stops the run.
phase() {
  local name=$1; shift
  local started=$SECONDS status=0
  log "=== $name: $*"
  "$@" || status=$?
  local took=$((SECONDS - started))
  if ((status == 0)); then
    summary+=("$(row "$name" ok "$took" "")")
  else
    summary+=("$(row "$name" FAILED "$took" "exit $status")")
    failed=1
  fi
  return 0
}
skip() { summary+=("$(row "$1" skipped "" "$2")"); }
# row PHASE RESULT SECONDS NOTE: one line of the timing table (markdown, to paste as is).
row() { printf '| %-36s | %-7s | %7s | %s\n' "$1" "$2" "$3" "$4"; }

# npm_ci DIR: `npm ci` unless DIR/node_modules was installed at or after the last change of
# package.json and package-lock.json (npm writes node_modules/.package-lock.json).
npm_ci() {
  local marker=$1/node_modules/.package-lock.json
  if [[ -f $marker && ! $1/package-lock.json -nt $marker && ! $1/package.json -nt $marker ]]; then
    log "$1/node_modules is up to date with package-lock.json: npm ci not needed"
    return
  fi
  npm --prefix "$1" ci --no-audit --no-fund
}

has_npm_script() { # DIR SCRIPT
  node -e 'const p=require(process.argv[1]+"/package.json");process.exit(p.scripts&&p.scripts[process.argv[2]]?0:1)' "$1" "$2"
}

# --- background builds -------------------------------------------------------------
declare -A build_pids=()
start_build() { # NAME CMD...
  local name=$1; shift
  "$@" >"$VMT_CACHE/logs/test-all-build-$name.log" 2>&1 &
  build_pids[$name]=$!
}
wait_build() { # NAME: waits for it; its log on failure
  local status=0
  wait "${build_pids[$1]}" || status=$?
  ((status == 0)) || tail -n 30 "$VMT_CACHE/logs/test-all-build-$1.log" >&2
  return "$status"
}

libvirt_started=0
cleanup() {
  local pid
  for pid in "${build_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if ((libvirt_started)); then "$VMT_SCRIPTS/libvirt/stop.sh" --netns "$NETNS" || true; fi
}
trap cleanup EXIT

phase install-deps "$VMT_SCRIPTS/install-deps.sh"
start_build influxd-1.8 "$VMT_SCRIPTS/influxdb/build.sh" 1.8
start_build influxd-2.7 "$VMT_SCRIPTS/influxdb/build.sh" 2.7
start_build guest "$VMT_SCRIPTS/guest/build.sh"

# --- front end (needs none of the builds) ---------------------------------------------
if [[ -f package.json && -d src ]]; then
  phase "frontend: npm ci" npm_ci .
  for script in typecheck lint test:ci build test:browser; do
    if has_npm_script . "$script"; then phase "frontend: $script" npm run "$script"; else skip "frontend: $script" "no npm script"; fi
  done
else
  skip frontend "no package.json or src/"
fi

# --- Go static checks: go vet and staticcheck (need none of the builds) -------------------
if [[ -f go.mod ]] && has_npm_script . lint:go; then
  phase "go: lint (vet, staticcheck)" npm run lint:go
else
  skip "go: lint" "no go.mod or npm script lint:go"
fi

# --- builds the other phases need -------------------------------------------------
phase "build: influxd 1.8" wait_build influxd-1.8
phase "build: influxd 2.7" wait_build influxd-2.7
phase "build: guest" wait_build guest

# --- libvirtd for the whole run, in network namespace $NETNS (guest traffic stays there)
start_libvirt() {
  local out
  out=$("$VMT_SCRIPTS/libvirt/start.sh" --netns "$NETNS") || return
  eval "$out"
  [[ $LIBVIRT_STARTED == 1 ]] && libvirt_started=1
  export LIBVIRT_URI LIBVIRT_SOCK LIBVIRT_SOCK_RO LIBVIRT_NETNS
}
phase "libvirtd (netns $NETNS)" start_libvirt

# --- the scripts' own checks: real servers and a real guest -----------------------------
phase "infra: shellcheck scripts/" bash -c 'shellcheck -x -S warning $(find "$VMT_SCRIPTS" -name "*.sh")'
for version in 1.6 1.8 2.7; do
  phase "infra: influxdb $version" "$VMT_SCRIPTS/influxdb/check.sh" "$version"
done
phase "infra: guest stats" "$VMT_SCRIPTS/guest/check.sh"

# --- components ---------------------------------------------------------------------
# The exporter's modules first: Go tests of provisioning/ and e2e/ run the exporter.
if [[ -f exporter/package.json ]]; then
  phase "exporter: npm ci" npm_ci exporter
fi
if [[ -f go.mod ]]; then
  # Unit and golden tests, and those behind the integration tag: real InfluxDB, libvirtd,
  # the built plugin executable (docs/TESTING.md). e2e/ has its own tag and phase.
  phase "go: go test -tags integration" go test -tags integration -count=1 -timeout 20m ./...
else
  skip go "no go.mod"
fi
if [[ -f exporter/package.json ]]; then
  phase "exporter: npm test" npm --prefix exporter test
else
  skip exporter "no exporter/package.json"
fi
if [[ -f package.json ]] && has_npm_script . e2e; then
  phase "e2e: npm run e2e" npm run e2e
else
  skip e2e "no npm script e2e"
fi

trap - EXIT
cleanup
echo
echo "==== npm test: phase timings (wall seconds; the builds ran in the background meanwhile) ===="
row phase result seconds note
printf '|%s|%s|%s|%s\n' "$(printf -- '-%.0s' {1..38})" "$(printf -- '-%.0s' {1..9})" "$(printf -- '-%.0s' {1..8}):" "------"
printf '%s\n' "${summary[@]}"
row "total" "" "$((SECONDS - run_started))" "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if ((failed)); then
  echo "RESULT: FAILED"
  exit 1
fi
echo "RESULT: all passed"
