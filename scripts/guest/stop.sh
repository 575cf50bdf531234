#!/usr/bin/env bash
# Destroys and undefines a guest that scripts/guest/start.sh started (on the daemon it
# was started on; LIBVIRT_URI when its record is gone), removes the peer
# address it put in the daemon's network namespace, and deletes the guest's files
# (disk, console log, XML, kernel, initrd). A guest that is not there is not an error.
set -euo pipefail
usage() { echo "usage: $0 NAME" >&2; exit 2; }
[[ $# -eq 1 && $1 =~ ^[A-Za-z0-9_-]{1,40}$ ]] || usage
source "$(dirname "$0")/../lib/common.sh"
name=$1
state=/run/vmt-guests/$name.env
# No record (the guest was stopped already) reads as empty values, not an error.
recorded() { sed -n "s/^$1=//p" "$state" 2>/dev/null || true; }
GUEST_DIR=$(recorded GUEST_DIR) GUEST_NETNS=$(recorded GUEST_NETNS) GUEST_TAP=$(recorded GUEST_TAP)
GUEST_PEER=$(recorded GUEST_PEER) GUEST_URI=$(recorded GUEST_URI)
readonly URI=${GUEST_URI:-${LIBVIRT_URI:-qemu:///system}}

virsh -q -c "$URI" destroy "$name" >/dev/null 2>&1 || true
virsh -q -c "$URI" undefine "$name" >/dev/null 2>&1 || true
if [[ -f $state ]]; then
  # libvirt deletes the tap with the guest; the address goes with it. Left only when
  # the daemon died first.
  if [[ -n $GUEST_NETNS ]] && ip -n "$GUEST_NETNS" link show "$GUEST_TAP" >/dev/null 2>&1; then
    ip -n "$GUEST_NETNS" addr del "$GUEST_PEER/24" dev "$GUEST_TAP" 2>/dev/null || true
  fi
  if [[ -n $GUEST_DIR ]]; then
    rm -f "$GUEST_DIR"/{disk.qcow2,console.log,domain.xml,vmlinuz,initrd.img}
    rmdir "$GUEST_DIR" 2>/dev/null || true
  fi
  rm -f "$state"
fi
if virsh -q -c "$URI" dominfo "$name" >/dev/null 2>&1; then
  die "domain $name is still defined"
fi
