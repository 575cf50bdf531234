#!/bin/busybox sh
# shellcheck shell=dash
# /init of the test guest's initramfs (scripts/guest/build.sh copies it there).
# Loads the virtio modules, then generates the load the kernel command line asks for,
# forever:  vmt.load=idle|cpu|disk|net|all (comma lists work: vmt.load=cpu,net)
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

# Writes then reads 4 MiB of /dev/vda with O_DIRECT, so each pass reaches the virtual
# disk (block.N.wr.bytes and rd.bytes move) instead of the guest's page cache.
disk_load() {
  while :; do
    dd if=/dev/zero of=/dev/vda bs=64k count=64 oflag=direct conv=fsync status=none
    dd if=/dev/vda of=/dev/null bs=64k count=64 iflag=direct status=none
    sleep 1
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
    disk) disk_load & ;;
    net) net_load & ;;
    *) say "unknown load $kind" ;;
  esac
done
say "running load=$load ip=$ip peer=$peer"
while :; do sleep 3600; done
