#!/usr/bin/env bash
# `npm run build:sea`: vm-telemetry-exporter as one executable file, with Node's
# single-executable application support (SEA): dist/sea/vm-telemetry-exporter.
#   1. esbuild bundles src/cli.ts and its dependencies into one CommonJS script: Node 20's
#      SEA runs a single CommonJS file whose require() reaches only Node's own modules,
#      so the ES modules and the bundled packages (@influxdata/influxdb-client, yaml, bcryptjs)
#      must be inside that one file.
#   2. node --experimental-sea-config writes the preparation blob of that script.
#   3. postject injects the blob into a copy of the node executable that runs this script.
# Node options: Node 20's SEA configuration has no execArgv (later Node lines added it;
# Node 20 ignores the field), so the executable takes them from NODE_OPTIONS only, as the
# systemd unit sets them; no TurboFan, V8's setting NODE_OPTIONS refuses, src/cli.ts
# sets itself, in the executable as in every other way the exporter runs.
# The result runs on hosts of the same OS and architecture as the node that built it,
# with no Node.js installed; it is about as large as that node executable.
set -euo pipefail
cd "$(dirname "$0")/.."
out=dist/sea
rm -rf "$out"
mkdir -p "$out"
node_modules/.bin/esbuild src/cli.ts --bundle --platform=node --format=cjs --target=node20 \
  --outfile="$out/exporter.cjs" --log-level=warning
cat >"$out/sea-config.json" <<JSON
{ "main": "$out/exporter.cjs", "output": "$out/sea-prep.blob", "disableExperimentalSEAWarning": true }
JSON
node --experimental-sea-config "$out/sea-config.json"
cp "$(command -v node)" "$out/vm-telemetry-exporter"
chmod u+w "$out/vm-telemetry-exporter"
node_modules/.bin/postject "$out/vm-telemetry-exporter" NODE_SEA_BLOB "$out/sea-prep.blob" \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2
rm "$out/exporter.cjs" "$out/sea-config.json" "$out/sea-prep.blob"
echo "$PWD/$out/vm-telemetry-exporter"
