#!/usr/bin/env bash
# Builds the small real test guest into $VMT_CACHE/guest and prints that folder:
#   vmlinuz     Debian 12's kernel (linux-image-6.1.0-*-amd64, newest in the apt lists)
#   modules/    its virtio modules (the rest of the package is not kept)
#   initrd.img  busybox-static + the kernel's virtio modules + scripts/guest/init.sh as /init
# Skips the work when both exist and were built from the current init.sh and this script.
set -euo pipefail
usage() { echo "usage: $0" >&2; exit 2; }
[[ $# -eq 0 ]] || usage
source "$(dirname "$0")/../lib/common.sh"

readonly GUEST_DIR=$VMT_CACHE/guest
readonly MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
  virtio_balloon failover net_failover virtio_net virtio_blk)
stamp=$(cat "$VMT_SCRIPTS/guest/init.sh" "$0" | sha256sum | cut -c1-16)

up_to_date() {
  [[ -f $GUEST_DIR/vmlinuz && -f $GUEST_DIR/initrd.img && $(cat "$GUEST_DIR/stamp" 2>/dev/null) == "$stamp" ]]
}

kernel_package() {
  apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' | cut -d' ' -f1 | sort -V | tail -n 1
}

# Keeps only what the guest needs of the kernel package: vmlinuz and MODULES, uncompressed.
fetch_kernel() {
  [[ -f $GUEST_DIR/vmlinuz && -f $GUEST_DIR/modules/${MODULES[-1]}.ko ]] && return
  local package work module file
  package=$(kernel_package)
  if [[ -z $package ]]; then
    apt-get update -q >>"$VMT_CACHE/logs/apt.log" 2>&1
    package=$(kernel_package)
  fi
  [[ -n $package ]] || die "no linux-image-6.1.0-*-amd64 package in the apt lists"
  log "downloading $package"
  work=$(mktemp -d "$VMT_CACHE/build/kernel.XXXXXX")
  (cd "$work" && apt-get download -q "$package" >>"$VMT_CACHE/logs/apt.log" 2>&1) ||
    die "apt-get download $package failed (log: $VMT_CACHE/logs/apt.log)"
  dpkg-deb -x "$work"/*.deb "$work/root"
  rm -rf "$GUEST_DIR/modules"
  mkdir -p "$GUEST_DIR/modules"
  for module in "${MODULES[@]}"; do
    file=$(find "$work"/root/lib/modules/*/kernel -name "$module.ko*" | head -n 1)
    [[ -n $file ]] || die "module $module not found in $package"
    case $file in
      *.ko) cp "$file" "$GUEST_DIR/modules/$module.ko" ;;
      *.ko.xz) xz -dc "$file" >"$GUEST_DIR/modules/$module.ko" ;;
      *.ko.zst) zstd -qdc "$file" >"$GUEST_DIR/modules/$module.ko" ;;
      *) die "cannot unpack $file" ;;
    esac
  done
  cp "$work"/root/boot/vmlinuz-* "$GUEST_DIR/vmlinuz"
  echo "$package" >"$GUEST_DIR/kernel-package"
  rm -rf "$work"
}

build_initrd() {
  local root
  root=$(mktemp -d "$VMT_CACHE/build/initrd.XXXXXX")
  mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
  cp /bin/busybox "$root/bin/busybox"
  cp "$VMT_SCRIPTS/guest/init.sh" "$root/init"
  chmod +x "$root/init"
  cp "$GUEST_DIR"/modules/*.ko "$root/lib/modules/"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$GUEST_DIR/initrd.img.tmp"
  mv "$GUEST_DIR/initrd.img.tmp" "$GUEST_DIR/initrd.img"
  rm -rf "$root"
}

build() {
  up_to_date && return
  [[ -x /bin/busybox && -x /usr/bin/cpio ]] || "$VMT_SCRIPTS/install-deps.sh"
  mkdir -p "$GUEST_DIR"
  fetch_kernel
  build_initrd
  echo "$stamp" >"$GUEST_DIR/stamp"
  log "guest built in $GUEST_DIR"
}

with_lock guest build
echo "$GUEST_DIR"
