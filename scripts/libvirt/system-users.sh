# Who uses the system libvirtd that start.sh started or reused: one file per using
# process (start.sh's caller; VMT_OWNER_PID overrides), named after its pid and holding
# its start time, so that a pid reused by another process does not count. stop.sh stops
# the daemon only once no other user lives: test runs, a developer's tests and the demo
# share the one daemon at the same time. Sourced by start.sh and stop.sh, never run.
# shellcheck shell=bash

readonly SYSTEM_USERS_DIR=/run/vmt-libvirtd-users

# process_start PID: its start time (clock ticks after boot), empty when it is gone.
process_start() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) } # the name may hold spaces and parentheses
  cut -d' ' -f20 <<<"$stat"
}

# user_add PID: PID uses the daemon.
user_add() {
  mkdir -p "$SYSTEM_USERS_DIR"
  process_start "$1" >"$SYSTEM_USERS_DIR/$1"
}

# user_drop PID: PID no longer uses it.
user_drop() {
  rm -f "$SYSTEM_USERS_DIR/$1"
}

# live_users: the pids of the users still alive, on one line (empty: none); forgets the others.
live_users() {
  local file pid users=()
  for file in "$SYSTEM_USERS_DIR"/*; do
    [[ -f $file ]] || continue
    pid=${file##*/}
    if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && [[ $(process_start "$pid") == "$(cat "$file" 2>/dev/null)" ]]; then
      users+=("$pid")
    else
      rm -f "$file"
    fi
  done
  echo "${users[*]}"
}
