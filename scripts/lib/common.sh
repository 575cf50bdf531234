# Shared helpers for the project's scripts: sourced, never run.
# shellcheck shell=bash
# Defines VMT_CACHE (binaries and downloads that must not be committed),
# VMT_SCRIPTS, and small helpers for logging, locking and free ports.

VMT_CACHE="${VMT_CACHE:-/root/.cache/vm-telemetry}"
VMT_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export VMT_CACHE VMT_SCRIPTS
mkdir -p "$VMT_CACHE/bin" "$VMT_CACHE/build" "$VMT_CACHE/logs" "$VMT_CACHE/locks"

# Messages go to stderr: several scripts print sourceable lines on stdout.
log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# with_lock NAME CMD...: runs CMD while holding $VMT_CACHE/locks/NAME.lock, so
# parallel test processes build or install a thing once and the others wait.
# CMD runs in a subshell: it cannot set the caller's variables.
with_lock() {
  local lock_name=$1; shift
  (
    flock 9
    "$@"
  ) 9>"$VMT_CACHE/locks/$lock_name.lock"
}

# free_port: a random TCP port that no socket uses now (read from /proc/net/tcp*, so
# no tool is needed; a small race with other starters remains: callers retry when the
# bind fails).
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 40000 ))
    grep -qs ":$(printf '%04X' "$port") " /proc/net/tcp /proc/net/tcp6 || { echo "$port"; return; }
  done
}

# alive PID: some thread of the process has not exited. Daemons' parent here may be a
# pid 1 that never reaps, so a killed daemon can stay a zombie, which `kill -0` still
# finds; and a multi-threaded one shows its main thread as a zombie while the other
# threads still exit (and hold its sockets and ports).
alive() {
  local status state
  for status in "/proc/$1"/task/*/status; do
    state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "$status" 2>/dev/null) || continue
    [[ -n $state && $state != Z && $state != X ]] && return 0
  done
  return 1
}

# wait_until SECONDS CMD...: retries CMD every 0.2 s until it succeeds or time runs out.
wait_until() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    (( $(date +%s) < deadline )) || return 1
    sleep 0.2
  done
}

# stop_with_owner SERVER_PID|0 STOP_COMMAND...: once the process that ran this script
# (its parent; VMT_OWNER_PID overrides, 0 disables) has exited, runs STOP_COMMAND if
# SERVER_PID still runs (0: always). Detached, silent (output in
# $VMT_CACHE/logs/watch-owner.log).
stop_with_owner() {
  local owner=${VMT_OWNER_PID:-$PPID}
  [[ $owner =~ ^[1-9][0-9]*$ ]] || return 0
  setsid "$VMT_SCRIPTS/lib/watch-owner.sh" "$owner" "$@" </dev/null >>"$VMT_CACHE/logs/watch-owner.log" 2>&1 &
}
