// libvirt test-driver node XML of N domains (one disk, one interface each), the VMs of
// the benchmarks: bench/collection-cost.ts and bench/peer.sh read the same file.

import { writeFileSync } from 'node:fs';

export function nodeXml(count: number): string {
  const domains = Array.from({ length: count }, (_, i) => {
    const uuid = `6695eb01-f6a4-8304-79aa-${String(i).padStart(12, '0')}`;
    return `<domain type='test'><name>bench-${i}</name><uuid>${uuid}</uuid><memory>1048576</memory><vcpu>2</vcpu>
<os><type>hvm</type></os><devices>
<disk type='file' device='disk'><source file='/bench/${i}.img'/><target dev='vda' bus='virtio'/></disk>
<interface type='network'><mac address='52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}'/><source network='default'/><target dev='bench${i}'/></interface>
</devices></domain>`;
  });
  return `<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads><active>2</active><mhz>2000</mhz></cpu>
<memory>8388608</memory>${domains.join('\n')}</node>`;
}

export function writeNodeXml(path: string, count: number): void {
  writeFileSync(path, nodeXml(count));
}
