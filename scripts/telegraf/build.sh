#!/usr/bin/env bash
# Builds Telegraf 1.37.2 with only the plugins the benchmarks compare against
# (inputs.libvirt; outputs.influxdb, outputs.influxdb_v2, outputs.file) into
# $VMT_CACHE/bin/telegraf and prints that path. Skips the build when it exists.
# For benchmarks only: no test needs Telegraf. Recipe: ENVIRONMENT.md ("Telegraf").
set -euo pipefail
usage() { echo "usage: $0" >&2; exit 2; }
[[ $# -eq 0 ]] || usage
source "$(dirname "$0")/../lib/common.sh"

readonly VERSION=v1.37.2 BINARY=$VMT_CACHE/bin/telegraf
readonly TAGS=custom,inputs.libvirt,outputs.influxdb,outputs.influxdb_v2,outputs.file

build_telegraf() {
  local module_dir source_dir=$VMT_CACHE/build/telegraf-$VERSION
  module_dir=$(go mod download -json "github.com/influxdata/telegraf@$VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [[ -d $module_dir ]] || die "go mod download gave no module folder for telegraf $VERSION"
  # Built inside a writable copy, as the main module (its go.mod has replace directives).
  if [[ ! -f $source_dir/go.mod ]]; then
    rm -rf "$source_dir.tmp"
    cp -r "$module_dir" "$source_dir.tmp"
    chmod -R u+w "$source_dir.tmp"
    mv "$source_dir.tmp" "$source_dir"
  fi
  (cd "$source_dir" && go build -tags "$TAGS" -o "$BINARY.tmp" ./cmd/telegraf)
  mv "$BINARY.tmp" "$BINARY"
}

build() {
  [[ -x $BINARY ]] && return
  local log_file=$VMT_CACHE/logs/build-telegraf.log started=$SECONDS
  log "building telegraf $VERSION into $BINARY (log: $log_file)"
  build_telegraf >"$log_file" 2>&1 || { tail -n 40 "$log_file" >&2; die "telegraf build failed"; }
  log "built telegraf in $((SECONDS - started)) s"
}

with_lock telegraf build
echo "$BINARY"
