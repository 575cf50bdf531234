#!/usr/bin/env bash
# Checks `npm run demo` as a user meets it: starts demo/run.sh, waits for its banner,
# asks the exporter's seed JSON URL it printed, then sends SIGINT to its process group
# (what Ctrl-C in a terminal does) and checks that nothing it started is left: no
# process with the demo's state folder or guest names in its command line, no guest
# domain, no network namespace vmt-demo (unless it existed before).
# Prints timings; exit 0 only when all holds.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib/common.sh"
state=$(mktemp -d /var/tmp/vmt-demo-check.XXXXXX)
log=$state.log
readonly BANNER_TIMEOUT_S=1200 STOP_TIMEOUT_S=60
netns_before=$(ip netns list | grep -c '^vmt-demo\b' || true)

fail() { echo "FAIL: $*"; exit 1; }

set -m # the demo gets its own process group, as a terminal's foreground job has
started=$SECONDS
: >"$log"
VMT_DEMO_DIR=$state bash "$repo/demo/run.sh" >"$log" 2>&1 &
demo_pid=$!
set +m
until grep -q 'VM Telemetry demo is running' "$log"; do
  kill -0 "$demo_pid" 2>/dev/null || { cat "$log"; fail "the demo exited before it was up"; }
  ((SECONDS - started < BANNER_TIMEOUT_S)) || { kill -INT -- "-$demo_pid"; fail "no banner within ${BANNER_TIMEOUT_S}s"; }
  sleep 1
done
up=$((SECONDS - started))
echo "demo up after ${up}s"
sed -n '/VM Telemetry demo is running/,$p' "$log"

url=$(grep -o 'http://[0-9.:]*/api/telemetry/vm-telemetry' "$log" | head -n 1)
sleep 3 # two samples, so the rates exist
answer=$(curl -fsS "$url") || fail "GET $url failed"
for vm in vmt-demo-quiet vmt-demo-busy; do
  grep -q "\"name\":\"$vm\"" <<<"$answer" || fail "$url does not list $vm: $answer"
done
echo "GET $url lists both guests"

stop_started=$SECONDS
kill -INT -- "-$demo_pid"
while kill -0 "$demo_pid" 2>/dev/null; do
  ((SECONDS - stop_started < STOP_TIMEOUT_S)) || fail "the demo did not stop within ${STOP_TIMEOUT_S}s of SIGINT"
  sleep 0.5
done
wait "$demo_pid" || true
echo "demo stopped $((SECONDS - stop_started))s after SIGINT"

# The start scripts' owner watchers poll every 2 s and leave by themselves.
leftovers_of_demo() { pgrep -af -- "$state|vmt-demo-quiet|vmt-demo-busy" || true; }
no_leftovers() { [[ -z $(leftovers_of_demo) ]]; }
wait_until 10 no_leftovers || fail "processes left behind: $(leftovers_of_demo)"
virsh -q -c qemu:///system list --all --name 2>/dev/null | grep -q '^vmt-demo-' && fail "guest domains left behind"
netns_after=$(ip netns list | grep -c '^vmt-demo\b' || true)
((netns_after <= netns_before)) || fail "network namespace vmt-demo left behind"
tail -n 3 "$log"
echo "PASS: nothing left behind (log: $log)"
rm -rf "$state"
