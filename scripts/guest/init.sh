#!/bin/busybox sh
# shellcheck shell=dash
# /init of the test guest's initramfs (scripts/guest/build.sh copies it there).
# Loads the virtio modules, then generates the load the kernel command line asks for,
# forever:  vmt.load=idle|cpu|cpu:N|disk|net|all|ramp|memclimb (comma lists work: vmt.load=cpu,net)
#           vmt.ip=10.0.N.15/24 vmt.peer=10.0.N.2  (address of eth0, host to ping)
# Progress lines start with "vmt-guest:" on the serial console (ttyS0).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "vmt-guest: $*" >/dev/ttyS0; }

# Order matters: each module needs the ones before it.
for module in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
  virtio_balloon failover net_failover virtio_net virtio_blk; do
  insmod "/lib/modules/$module.ko" || say "insmod $module failed"
done

load=idle ip='' peer=''
for arg in $(cat /proc/cmdline); do
  case $arg in
    vmt.load=*) load=${arg#vmt.load=} ;;
    vmt.ip=*) ip=${arg#vmt.ip=} ;;
    vmt.peer=*) peer=${arg#vmt.peer=} ;;
  esac
done
[ "$load" = all ] && load=cpu,disk,net

cpu_load() {
  while :; do :; done
}

# cpu:N: the CPU busy N % of each second (1-99). A test that needs the CPU counters to
# move needs no more: a busy loop keeps a host core busy for the guest's whole life
# (TCG), half of a 2-core machine running the tests beside it.
duty_load() {
  while :; do duty_second "$1"; done
}

# Writes then reads 4 MiB of /dev/vda with O_DIRECT, so each pass reaches the virtual
# disk (block.N.wr.bytes and rd.bytes move) instead of the guest's page cache.
disk_load() {
  while :; do
    dd if=/dev/zero of=/dev/vda bs=64k count=64 oflag=direct conv=fsync status=none
    dd if=/dev/vda of=/dev/null bs=64k count=64 iflag=direct status=none
    sleep 1
  done
}

# Centiseconds since boot, into $now, without a fork (the loops below call it often).
now_cs() {
  read -r up _ </proc/uptime
  now=$((${up%.*} * 100 + 1${up#*.} - 100))
}

# One second with the CPU busy for $1 % of it: spin on the clock, then sleep the rest.
duty_second() {
  now_cs
  start=$now
  while [ "$now" -lt $((start + $1)) ]; do now_cs; done
  [ "$1" -lt 100 ] && usleep $(((start + 100 - now) * 10000))
}

# CPU ramp, a cycle of 6 minutes: idle 150 s, a duty cycle rising from 0 to 99 % over
# 120 s (0.83 points a second), 90 s fully busy, back to idle. The steady climb the CPU
# rate rule must catch, between stretches that must not fire it.
ramp_load() {
  while :; do
    sleep 150
    say "ramp: rising"
    i=0
    while [ $i -lt 120 ]; do duty_second $((i * 100 / 120)); i=$((i + 1)); done
    say "ramp: holding"
    i=0
    while [ $i -lt 90 ]; do duty_second 100; i=$((i + 1)); done
    say "ramp: idle"
  done
}

# Memory climb, a cycle of 6 minutes: idle 150 s, then 0.5 % of the guest's memory
# written to a tmpfs every second for 120 s (+60 points), held 90 s, freed. The
# steady climb the memory rate rule must catch.
memclimb_load() {
  mkdir -p /mem
  mount -t tmpfs -o size=90% tmpfs /mem
  total_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
  chunk_kb=$((total_kb / 200))
  while :; do
    sleep 150
    say "memclimb: rising by $chunk_kb KiB a second"
    i=0
    while [ $i -lt 120 ]; do
      now_cs
      start=$now
      dd if=/dev/zero of=/mem/$i bs=1k count=$chunk_kb status=none
      now_cs
      [ "$now" -lt $((start + 100)) ] && usleep $(((start + 100 - now) * 10000))
      i=$((i + 1))
    done
    say "memclimb: holding"
    sleep 90
    rm -f /mem/*
    say "memclimb: freed"
  done
}

net_load() {
  ip link set lo up
  ip link set eth0 up
  [ -n "$ip" ] && ip addr add "$ip" dev eth0
  if [ -z "$peer" ]; then
    say "net load needs vmt.peer="
    return
  fi
  # Restarted if it ever ends (e.g. the peer address is added after boot).
  while :; do ping -q -s 1400 -i 0.2 "$peer" >/dev/null 2>&1; sleep 1; done
}

for kind in $(echo "$load" | tr , ' '); do
  case $kind in
    idle) ;;
    cpu) cpu_load & ;;
    cpu:[1-9] | cpu:[1-9][0-9]) duty_load "${kind#cpu:}" & ;;
    disk) disk_load & ;;
    net) net_load & ;;
    ramp) ramp_load & ;;
    memclimb) memclimb_load & ;;
    *) say "unknown load $kind" ;;
  esac
done
say "running load=$load ip=$ip peer=$peer"
while :; do sleep 3600; done
