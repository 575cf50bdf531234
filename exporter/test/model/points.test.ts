import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodePoint } from '../../src/influx/line-protocol.js';
import { eventPoint, samplePoints } from '../../src/model/points.js';
import type { VmSample } from '../../src/model/sample.js';

const running: VmSample = {
  timeMs: 1764844245123,
  vm: 'one-71',
  uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f',
  host: 'hv1',
  domainId: 10,
  state: 'running',
  vcpus: 2,
  cpuUsagePercent: 45.2,
  memoryUsagePercent: 23.5,
  memoryTotalBytes: 2147483648n,
  memoryUsedBytes: 504658739n,
  diskReadBytes: 0n,
  diskWriteBytes: 512000n,
  networkRxBytes: 1048576n,
  networkTxBytes: 524288n,
  disks: [{ device: 'vda', readBytes: 0n, writeBytes: 512000n, readOps: 0n, writeOps: 12n }],
  interfaces: [
    {
      interface: 'vnet0',
      rxBytes: 1048576n,
      txBytes: 524288n,
      rxPackets: 10n,
      txPackets: 5n,
      rxErrors: 0n,
      txErrors: 0n,
      rxDrops: 1n,
      txDrops: 0n,
    },
  ],
};

test('a running VM gives the contract fields with the contract types', () => {
  const lines = samplePoints(running).map(encodePoint);
  assert.deepEqual(lines, [
    'vm_telemetry,host=hv1,uuid=6695eb01-f6a4-8304-79aa-97f2502e193f,vm=one-71 domain_id=10i,state="running",vcpus=2i,' +
      'cpu_usage_percent=45.2,memory_usage_percent=23.5,memory_total_bytes=2147483648i,memory_used_bytes=504658739i,' +
      'disk_read_bytes=0i,disk_write_bytes=512000i,network_rx_bytes=1048576i,network_tx_bytes=524288i 1764844245123',
    'vm_disk,device=vda,host=hv1,uuid=6695eb01-f6a4-8304-79aa-97f2502e193f,vm=one-71 read_bytes=0i,write_bytes=512000i,read_ops=0i,write_ops=12i 1764844245123',
    'vm_interface,host=hv1,interface=vnet0,uuid=6695eb01-f6a4-8304-79aa-97f2502e193f,vm=one-71 rx_bytes=1048576i,tx_bytes=524288i,' +
      'rx_packets=10i,tx_packets=5i,rx_errors=0i,tx_errors=0i,rx_drops=1i,tx_drops=0i 1764844245123',
  ]);
});

test('absent values are omitted, not written as 0', () => {
  const lines = samplePoints({
    timeMs: 1,
    vm: 'off',
    uuid: 'u',
    host: 'h',
    domainId: -1,
    state: 'shutoff',
    disks: [],
    interfaces: [],
  }).map(encodePoint);
  assert.deepEqual(lines, ['vm_telemetry,host=h,uuid=u,vm=off domain_id=-1i,state="shutoff" 1']);
});

test('a lifecycle event is one vm_event point: event as a tag, source and detail as string fields', () => {
  const event = { timeMs: 1764844245123, vm: 'one-71', uuid: running.uuid, event: 'stopped', detail: 'destroyed', reconciled: false };
  assert.equal(
    encodePoint(eventPoint(event, 'hv1')),
    'vm_event,event=stopped,host=hv1,uuid=6695eb01-f6a4-8304-79aa-97f2502e193f,vm=one-71 source="libvirt",detail="destroyed" 1764844245123'
  );
  assert.equal(
    encodePoint(eventPoint({ ...event, event: 'rebooted', detail: '', reconciled: true }, 'hv1')),
    'vm_event,event=rebooted,host=hv1,uuid=6695eb01-f6a4-8304-79aa-97f2502e193f,vm=one-71 source="reconciled" 1764844245123'
  );
});
