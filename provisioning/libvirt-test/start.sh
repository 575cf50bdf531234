#!/bin/sh
# The sidecar's libvirtd. libvirtd.conf puts its sockets in /run/libvirt-shared,
# the volume the exporter mounts. Once they exist, the read-write and admin
# sockets are unlinked there: the daemon keeps listening on them, but no path
# leads to them any more, so the exporter's volume holds the read-only socket
# alone (libvirt serves only read calls on it).
set -eu
readonly shared=/run/libvirt-shared
# Sockets left in the volume by the last run would end the wait below early.
rm -f "$shared/libvirt-sock" "$shared/libvirt-sock-ro" "$shared/libvirt-admin-sock"
virtlogd -d
libvirtd &
daemon=$!
trap 'kill -TERM "$daemon"; wait "$daemon"; exit' TERM INT
while [ ! -S "$shared/libvirt-sock" ] || [ ! -S "$shared/libvirt-sock-ro" ] || [ ! -S "$shared/libvirt-admin-sock" ]; do
  kill -0 "$daemon" 2>/dev/null || { echo "libvirtd exited before it made its sockets" >&2; exit 1; }
  sleep 0.2
done
rm -f "$shared/libvirt-sock" "$shared/libvirt-admin-sock"
echo "libvirtd: only $shared/libvirt-sock-ro is shared"
wait "$daemon"
