#!/bin/bash
# Run by the compose service secrets-check before any other: refuses to start
# the stack while a secret of .env still holds its placeholder from
# .env.example (change-this-...), naming each such variable.
set -euo pipefail
placeholders=()
for name in GRAFANA_ADMIN_PASSWORD INFLUX_ADMIN_PASSWORD INFLUX_ADMIN_TOKEN INFLUX_WRITER_PASSWORD INFLUX_READER_PASSWORD; do
  [[ -n ${!name:-} ]] || { echo "secrets-check: $name is not set: set it in .env (see .env.example)" >&2; exit 1; }
  [[ ${!name} == change-this-* ]] && placeholders+=("$name")
done
if ((${#placeholders[@]} > 0)); then
  echo "secrets-check: .env still holds the placeholder of .env.example for ${placeholders[*]}: set your own secrets (e.g. openssl rand -hex 32) and run docker compose up again" >&2
  exit 1
fi
echo "secrets-check: no placeholder secrets"
