#!/usr/bin/env bash
# `npm run package`: builds the plugin from scratch and writes the archive Grafana's
# plugin installer takes, with its SHA-256 beside it:
#   OUT/vmtelemetry-libvirt-datasource-<version>.zip         one folder named after the
#       plugin id: dist/ of `npm run build` (module.js and its source map, plugin.json,
#       README, LICENSE, CHANGELOG, logo, screenshots, dashboards) and the backend
#       executables of every platform the SDK's build targets (`mage -v`: linux
#       amd64/arm64/arm, darwin amd64/arm64, windows amd64), mode 0755, with the SDK's
#       go_plugin_build_manifest
#   OUT/vmtelemetry-libvirt-datasource-<version>.zip.sha256  `sha256sum` format
# OUT defaults to release/ of the checkout. The version is package.json's (the project's
# one version number; scripts/version.mjs check runs first).
#   --platforms os/arch,...  build only these backends, e.g. linux/amd64 (for a quick
#                            local archive; a release uses the default: all)
#   --no-build               package the dist/ that is there (built by the caller)
set -euo pipefail
usage() { echo "usage: $0 [--out DIR] [--platforms os/arch,...] [--no-build]" >&2; exit 2; }
source "$(dirname "$0")/lib/common.sh"
root=$(cd "$VMT_SCRIPTS/.." && pwd)
out=$root/release platforms="" build=1
while (($#)); do
  case $1 in
    --out) (($# >= 2)) || usage; out=$2; shift 2 ;;
    --platforms) (($# >= 2)) || usage; platforms=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) usage ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"
node scripts/version.mjs check
version=$(node scripts/version.mjs)
id=$(node -p 'require("./src/plugin.json").id')

# mage_target OS/ARCH: the SDK's single-platform build target.
mage_target() {
  case $1 in
    linux/amd64) echo build:linux ;;
    linux/arm64) echo build:linuxARM64 ;;
    linux/arm) echo build:linuxARM ;;
    darwin/amd64) echo build:darwin ;;
    darwin/arm64) echo build:darwinARM64 ;;
    windows/amd64) echo build:windows ;;
    *) die "unknown platform $1 (linux/amd64, linux/arm64, linux/arm, darwin/amd64, darwin/arm64, windows/amd64)" ;;
  esac
}

if ((build)); then
  targets=()
  if [[ -n $platforms ]]; then
    IFS=, read -ra wanted <<<"$platforms"
    for platform in "${wanted[@]}"; do targets+=("$(mage_target "$platform")"); done
  fi
  # From scratch: executables of an earlier build must not slip into the archive.
  rm -rf dist
  log "frontend: npm run build"
  npm run build >&2
  log "backend: mage -v ${targets[*]:-(all platforms)}"
  go run github.com/magefile/mage -v "${targets[@]}" >&2
fi
[[ -f dist/module.js && -f dist/plugin.json ]] || die "dist/ holds no built frontend: run npm run build (or drop --no-build)"
compgen -G "dist/gpx_*" >/dev/null || die "dist/ holds no backend executable: run npm run build:backend (or drop --no-build)"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -a dist "$stage/$id"
# Grafana's validator wants 0755 on every executable; the rest is data.
find "$stage/$id" -type d -exec chmod 0755 {} +
find "$stage/$id" -type f -exec chmod 0644 {} +
find "$stage/$id" -maxdepth 1 -type f -name 'gpx_*' -exec chmod 0755 {} +

zip_name=$id-$version.zip
rm -f "$out/$zip_name" "$out/$zip_name.sha256"
(cd "$stage" && zip -q -r -X "$out/$zip_name.tmp" "$id")
mv "$out/$zip_name.tmp" "$out/$zip_name"
(cd "$out" && sha256sum "$zip_name" >"$zip_name.sha256")
log "wrote $out/$zip_name ($(du -h "$out/$zip_name" | cut -f1)) and $zip_name.sha256"
echo "PLUGIN_ZIP=$out/$zip_name"
echo "PLUGIN_ZIP_SHA256=$(cut -d' ' -f1 "$out/$zip_name.sha256")"
