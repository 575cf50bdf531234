// The contract's series (docs/CONTRACT.md, "Stored series") for one VM
// sample: one vm_telemetry point, one vm_disk point per disk and one
// vm_interface point per interface, with the contract's field types; and
// one vm_event point per lifecycle event.

import type { FieldValue, Point } from '../influx/line-protocol.js';
import type { VmEvent } from './event.js';
import type { VmSample } from './sample.js';

export const MEASUREMENT = 'vm_telemetry';
export const DISK_MEASUREMENT = 'vm_disk';
export const INTERFACE_MEASUREMENT = 'vm_interface';
export const EVENT_MEASUREMENT = 'vm_event';

const integer = (value: bigint | number): FieldValue => ({ type: 'integer', value });
const float = (value: number): FieldValue => ({ type: 'float', value });

/** Adds [key, field] when the value is present. */
function optional<T>(
  fields: Array<[string, FieldValue]>,
  key: string,
  value: T | undefined,
  make: (v: T) => FieldValue
): void {
  if (value !== undefined) {
    fields.push([key, make(value)]);
  }
}

export function samplePoints(sample: VmSample): Point[] {
  // In key order, as line protocol wants them: encodePoint need not sort.
  const tags: Array<[string, string]> = [
    ['host', sample.host],
    ['uuid', sample.uuid],
    ['vm', sample.vm],
  ];
  const fields: Array<[string, FieldValue]> = [
    ['domain_id', integer(sample.domainId)],
    ['state', { type: 'string', value: sample.state }],
  ];
  optional(fields, 'vcpus', sample.vcpus, integer);
  optional(fields, 'cpu_usage_percent', sample.cpuUsagePercent, float);
  optional(fields, 'memory_usage_percent', sample.memoryUsagePercent, float);
  optional(fields, 'memory_total_bytes', sample.memoryTotalBytes, integer);
  optional(fields, 'memory_used_bytes', sample.memoryUsedBytes, integer);
  optional(fields, 'disk_read_bytes', sample.diskReadBytes, integer);
  optional(fields, 'disk_write_bytes', sample.diskWriteBytes, integer);
  optional(fields, 'network_rx_bytes', sample.networkRxBytes, integer);
  optional(fields, 'network_tx_bytes', sample.networkTxBytes, integer);

  const points: Point[] = [{ measurement: MEASUREMENT, tags, fields, timeMs: sample.timeMs }];
  for (const disk of sample.disks) {
    points.push({
      measurement: DISK_MEASUREMENT,
      tags: [['device', disk.device], ...tags],
      fields: [
        ['read_bytes', integer(disk.readBytes)],
        ['write_bytes', integer(disk.writeBytes)],
        ['read_ops', integer(disk.readOps)],
        ['write_ops', integer(disk.writeOps)],
      ],
      timeMs: sample.timeMs,
    });
  }
  for (const nic of sample.interfaces) {
    points.push({
      measurement: INTERFACE_MEASUREMENT,
      tags: [tags[0]!, ['interface', nic.interface], tags[1]!, tags[2]!],
      fields: [
        ['rx_bytes', integer(nic.rxBytes)],
        ['tx_bytes', integer(nic.txBytes)],
        ['rx_packets', integer(nic.rxPackets)],
        ['tx_packets', integer(nic.txPackets)],
        ['rx_errors', integer(nic.rxErrors)],
        ['tx_errors', integer(nic.txErrors)],
        ['rx_drops', integer(nic.rxDrops)],
        ['tx_drops', integer(nic.txDrops)],
      ],
      timeMs: sample.timeMs,
    });
  }
  return points;
}

/** The vm_event point of one lifecycle event (docs/CONTRACT.md). */
export function eventPoint(event: VmEvent, host: string): Point {
  const fields: Array<[string, FieldValue]> = [['source', { type: 'string', value: event.reconciled ? 'reconciled' : 'libvirt' }]];
  if (event.detail !== '') {
    fields.push(['detail', { type: 'string', value: event.detail }]);
  }
  return {
    measurement: EVENT_MEASUREMENT,
    tags: [
      ['vm', event.vm],
      ['uuid', event.uuid],
      ['host', host],
      ['event', event.event],
    ],
    fields,
    timeMs: event.timeMs,
  };
}
