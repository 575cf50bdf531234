#!/usr/bin/env bash
# Builds an InfluxDB server into the cache and prints its path on stdout.
#   1.8 -> $VMT_CACHE/bin/influxd-1.8 (influxd 1.8.10, pure Go, ~2 min cold)
#   2.7 -> $VMT_CACHE/bin/influxd-2.7 (influxd 2.7.12, Go + Rust libflux, ~8 min cold)
# Skips the build when the binary exists. 1.6 is Debian's /usr/bin/influxd (install-deps.sh).
# Recipe: /work/shared/design/ENVIRONMENT.md ("InfluxDB").
set -euo pipefail
usage() { echo "usage: $0 1.8|2.7" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
source "$(dirname "$0")/../lib/common.sh"

version=$1
case $version in
  1.8) binary=$VMT_CACHE/bin/influxd-1.8 ;;
  2.7) binary=$VMT_CACHE/bin/influxd-2.7 ;;
  *) usage ;;
esac

build_18() {
  local gobin; gobin=$(mktemp -d "$VMT_CACHE/build/influxd-1.8.XXXXXX")
  GOBIN=$gobin GOFLAGS=-mod=mod go install github.com/influxdata/influxdb/cmd/influxd@v1.8.10
  mv "$gobin/influxd" "$binary"
  rm -rf "$gobin"
}

build_27() {
  # Influx's pkg-config wrapper builds libflux with cargo when Go asks for flux's cgo flags.
  # It lives in its own folder so it never shadows the system pkg-config elsewhere.
  local wrapper_dir=$VMT_CACHE/tools/influx-pkg-config
  if [[ ! -x $wrapper_dir/pkg-config ]]; then
    GOBIN=$wrapper_dir GOFLAGS=-mod=mod go install github.com/influxdata/pkg-config@v0.2.7
  fi
  export PATH=$wrapper_dir:$PATH:$HOME/.cargo/bin
  command -v cargo >/dev/null || die "cargo (Rust, rustup's stable toolchain) is needed to build influxd 2.7's libflux"
  # libflux pins Rust 1.72, which cannot be downloaded here: use the installed stable toolchain.
  export RUSTUP_TOOLCHAIN=stable

  local module_dir source_dir=$VMT_CACHE/build/influxdb-2.7.12
  module_dir=$(go mod download -json github.com/influxdata/influxdb/v2@v2.7.12 |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [[ -d $module_dir ]] || die "go mod download gave no module folder for influxdb v2.7.12"
  # The module's go.mod has replace directives: build inside a writable copy, as the main module.
  if [[ ! -f $source_dir/go.mod ]]; then
    rm -rf "$source_dir.tmp"
    cp -r "$module_dir" "$source_dir.tmp"
    chmod -R u+w "$source_dir.tmp"
    mv "$source_dir.tmp" "$source_dir"
  fi

  prepare_libflux "$source_dir"
  (cd "$source_dir" && go build -o "$binary.tmp" ./cmd/influxd)
  mv "$binary.tmp" "$binary"
}

# prepare_libflux SOURCE_DIR: the wrapper builds libflux in a writable copy of the flux module
# at $(go env GOCACHE)/pkgconfig/<module>@<version> and reuses that copy when it exists. Make
# it ourselves, before the first build, without libflux's default feature "strict": it turns
# on #![deny(warnings)], and the installed rustc warns about things rustc 1.72 did not, so the
# build would fail in flux-core (RUSTFLAGS=--cap-lints=warn does not reach it).
prepare_libflux() {
  local json dir version copy manifest
  json=$(cd "$1" && go mod download -json github.com/influxdata/flux)
  dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p' <<<"$json")
  version=$(sed -n 's/^[[:space:]]*"Version": "\(.*\)",*$/\1/p' <<<"$json")
  [[ -d $dir && -n $version ]] || die "go mod download gave no folder for influxdb's flux module"
  copy=$(go env GOCACHE)/pkgconfig/github.com/influxdata/flux@$version
  if [[ ! -d $copy ]]; then
    rm -rf "$copy.tmp"
    mkdir -p "$(dirname "$copy")"
    cp -r "$dir" "$copy.tmp"
    chmod -R u+w "$copy.tmp"
    mv "$copy.tmp" "$copy"
  fi
  for manifest in "$copy/libflux/flux-core/Cargo.toml" "$copy/libflux/flux/Cargo.toml"; do
    sed -i -E '/^default *=/ s/"strict" *,? *//' "$manifest"
  done
}

build() {
  [[ -x $binary ]] && return
  log "building influxd $version into $binary (log: $VMT_CACHE/logs/build-influxd-$version.log)"
  local started=$SECONDS
  if [[ $version == 1.8 ]]; then build_18; else build_27; fi >"$VMT_CACHE/logs/build-influxd-$version.log" 2>&1 ||
    { tail -n 40 "$VMT_CACHE/logs/build-influxd-$version.log" >&2; die "influxd $version build failed"; }
  log "built influxd $version in $((SECONDS - started)) s"
}

with_lock "influxd-$version" build
echo "$binary"
