#!/usr/bin/env bash
# Installs what the tests need on a Debian 12 machine (as root), idempotently and
# quickly when everything is there:
#   - Debian packages, only those missing (apt-get update once, only when installing);
#   - what libvirtd needs to run without systemd (ENVIRONMENT.md): its folders, the group
#     kvm, the user and group libvirt-qemu, and /etc/libvirt/qemu.conf running guests as
#     root with no security driver and no ownership changes.
# Go, Node and npm are expected on the machine already (CI image).
set -euo pipefail
usage() { echo "usage: $0" >&2; exit 2; }
[[ $# -eq 0 ]] || usage
source "$(dirname "$0")/lib/common.sh"
[[ $(id -u) == 0 ]] || die "must run as root (installs packages, configures libvirt)"

readonly PACKAGES=(
  libvirt-daemon libvirt-daemon-system libvirt-clients # libvirtd with the qemu and test drivers, virsh
  qemu-system-x86 qemu-utils                           # TCG guests, qemu-img
  cpio busybox-static                                  # the guest's initramfs (scripts/guest/build.sh)
  influxdb                                             # InfluxDB 1.6.7 (/usr/bin/influxd)
  chromium                                             # headless browser tests
  docker-compose                                       # `docker-compose config` validation, no engine
  iproute2 procps util-linux                           # ip netns, ss, pgrep, flock
  curl ca-certificates openssl                         # readiness probes, TLS test material
  shellcheck                                           # lint of scripts/ (npm test)
  systemd-container                                    # systemd-nspawn: the exporter's unit under systemd (scripts/systemd)
)

missing_packages() {
  local installed
  installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null |
    awk '$4 == "installed" { print $1 }') || true
  printf '%s\n' "${PACKAGES[@]}" | grep -vxF -f <(echo "$installed") || true
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]} == 0)) && return
  log "installing ${missing[*]} (log: $VMT_CACHE/logs/apt.log)"
  export DEBIAN_FRONTEND=noninteractive
  # Services must not be started by package scripts: there is no systemd, and the tests
  # start their own daemons.
  local policy=/usr/sbin/policy-rc.d created_policy=
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  {
    apt-get update -q &&
      apt-get install -y -q --no-install-recommends "${missing[@]}"
  } >>"$VMT_CACHE/logs/apt.log" 2>&1 || { tail -n 30 "$VMT_CACHE/logs/apt.log" >&2; die "apt-get install failed"; }
  [[ -n $created_policy ]] && rm -f "$policy"
  return 0
}

# set_conf FILE KEY VALUE: one active `KEY = VALUE` line in FILE. A file that has it already
# is not written: sed -i leaves a temporary file beside it for a moment, which a test's copy
# of /etc/libvirt (scripts/libvirt/start.sh) could list and then miss.
set_conf() {
  local file=$1 key=$2 value=$3 lines
  lines=$(grep -E "^[[:space:]]*${key}[[:space:]]*=" "$file") || true
  [[ $lines == "$key = $value" ]] && return 0
  if [[ -n $lines ]]; then
    sed -i -E "s|^[[:space:]]*${key}[[:space:]]*=.*|${key} = ${value}|" "$file"
  else
    echo "$key = $value" >>"$file"
  fi
}

configure_libvirt() {
  mkdir -p /var/log/libvirt /var/lib/libvirt /var/cache/libvirt /run/libvirt /etc/libvirt
  getent group kvm >/dev/null || groupadd --system kvm
  getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
  getent passwd libvirt-qemu >/dev/null ||
    useradd --system --gid libvirt-qemu --groups kvm --home-dir /var/lib/libvirt --no-create-home \
      --shell /usr/sbin/nologin libvirt-qemu
  local conf=/etc/libvirt/qemu.conf
  touch "$conf"
  set_conf "$conf" user '"root"'
  set_conf "$conf" group '"root"'
  set_conf "$conf" security_driver '"none"'
  set_conf "$conf" dynamic_ownership 0
}

with_lock apt install_packages
with_lock libvirt-config configure_libvirt
