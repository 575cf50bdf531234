#!/bin/bash
# Run once by the influxdb:2.7 image's entrypoint, right after its first setup
# (DOCKER_INFLUXDB_INIT_MODE=setup), against the temporary setup server with the
# admin token already configured for the influx CLI.
#
# The data source queries InfluxQL over /query, which InfluxDB 2.x answers only
# for a database/retention-policy pair mapped to a bucket (DBRP). Map
# "vm_telemetry"/"autogen" (the name in provisioning/datasources) to the bucket
# the exporter writes to, as the default retention policy of that database.
set -euo pipefail

influx v1 dbrp create \
  --org "${DOCKER_INFLUXDB_INIT_ORG}" \
  --bucket-id "${DOCKER_INFLUXDB_INIT_BUCKET_ID}" \
  --db vm_telemetry \
  --rp autogen \
  --default
