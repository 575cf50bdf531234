#!/usr/bin/env bash
# Prints the libvirt domain XML of a small real test guest (scripts/guest/build.sh):
# TCG (type qemu), 1 vCPU, 192 MiB, a qcow2 disk on virtio (DIR/disk.qcow2, created
# when missing), a memory balloon reporting stats every second, an ethernet tap
# interface managed by libvirt, and the serial console written to DIR/console.log.
# Copies the kernel and initrd into DIR.
#   --dir DIR      folder of the disk and console log (default /var/tmp/vmt-guests/NAME)
#   --subnet N     the guest is 10.0.N.15/24 and pings 10.0.N.2 (default 2)
#   LOAD           idle|cpu|cpu:N|disk|net|all|ramp|memclimb or a comma list (cpu,disk);
#                  cpu keeps the vCPU busy, cpu:N busy N % of each second (1-99)
#   TAP            host side of the interface (default: tap + NAME, cut to 15 characters)
set -euo pipefail
usage() { echo "usage: $0 [--dir DIR] [--subnet N] NAME LOAD [TAP]" >&2; exit 2; }
source "$(dirname "$0")/../lib/common.sh"

dir='' subnet=2
while [[ ${1:-} == --* ]]; do
  case $1 in
    --dir) [[ $# -ge 2 ]] || usage; dir=$2; shift 2 ;;
    --subnet) [[ ${2:-} =~ ^[0-9]+$ ]] && (($2 <= 255)) || usage; subnet=$2; shift 2 ;;
    *) usage ;;
  esac
done
[[ $# -eq 2 || $# -eq 3 ]] || usage
name=$1 load=$2
tap=${3:-tap$name}
tap=${tap:0:15}
[[ $name =~ ^[A-Za-z0-9_-]{1,40}$ ]] || die "guest name '$name': use 1-40 letters, digits, _ or -"
kinds='idle|cpu|cpu:[1-9][0-9]?|disk|net|all|ramp|memclimb'
[[ $load =~ ^($kinds)(,($kinds))*$ ]] ||
  die "load '$load': use idle, cpu, cpu:N (N % of each second, 1-99), disk, net, all, ramp, memclimb or a comma list"
[[ $tap =~ ^[A-Za-z0-9_-]+$ ]] || die "tap name '$tap': use letters, digits, _ or -"
dir=${dir:-/var/tmp/vmt-guests/$name}
[[ $dir != *[\'\"\&\<\>]* ]] || die "folder '$dir': no quotes, & or angle brackets (it goes into XML)"

guest=$("$VMT_SCRIPTS/guest/build.sh")
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[[ -f $dir/disk.qcow2 ]] || qemu-img create -q -f qcow2 "$dir/disk.qcow2" 64M
# Kernel and initrd beside the disk: QEMU may run as libvirt-qemu (qemu.conf), which
# cannot read the cache under /root.
cp "$guest/vmlinuz" "$guest/initrd.img" "$dir/"

# no_timer_check: the kernel's boot check of the IO-APIC timer counts ticks in a short
# window; a vCPU starved by a loaded host misses them and the guest panics ("IO-APIC +
# timer doesn't work!"), seen here at load average 37.
cat <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
    <kernel>$dir/vmlinuz</kernel>
    <initrd>$dir/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet no_timer_check vmt.load=$load vmt.ip=10.0.$subnet.15/24 vmt.peer=10.0.$subnet.2</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$dir/disk.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='ethernet'>
      <target dev='$tap' managed='yes'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'>
      <source path='$dir/console.log'/>
      <target port='0'/>
    </serial>
    <controller type='usb' model='none'/>
    <memballoon model='virtio'>
      <stats period='1'/>
    </memballoon>
  </devices>
</domain>
XML
