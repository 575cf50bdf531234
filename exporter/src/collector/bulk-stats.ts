// Reads one record of virConnectGetAllDomainStats (typed parameters such
// as "cpu.time", "block.0.rd.bytes") into a DomainReading. Groups the
// record lacks stay absent; devices keep libvirt's names.

import type { DomainStatsRecord, TypedParamValue } from '../libvirt/index.js';
import type { DiskSample, InterfaceSample } from '../model/sample.js';
import type { DomainReading, MemoryReading, StatsGroupName } from './domain-reading.js';

function bigintParam(params: Map<string, TypedParamValue>, key: string): bigint | undefined {
  const value = params.get(key);
  if (typeof value === 'bigint') {
    return value;
  }
  if (typeof value === 'number' && Number.isInteger(value)) {
    return BigInt(value);
  }
  return undefined;
}

function numberParam(params: Map<string, TypedParamValue>, key: string): number | undefined {
  const value = params.get(key);
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'bigint') {
    return Number(value);
  }
  return undefined;
}

function readMemory(params: Map<string, TypedParamValue>): MemoryReading | undefined {
  if (!params.has('balloon.current')) {
    return undefined;
  }
  const memory: MemoryReading = {};
  const fields: Array<[keyof MemoryReading, string]> = [
    ['availableKiB', 'balloon.available'],
    ['usableKiB', 'balloon.usable'],
    ['unusedKiB', 'balloon.unused'],
    ['actualKiB', 'balloon.current'],
  ];
  for (const [field, key] of fields) {
    const value = bigintParam(params, key);
    if (value !== undefined) {
      memory[field] = value;
    }
  }
  return memory;
}

function readDisks(params: Map<string, TypedParamValue>): DiskSample[] | undefined {
  const count = numberParam(params, 'block.count');
  if (count === undefined) {
    return undefined;
  }
  const disks: DiskSample[] = [];
  for (let i = 0; i < count; i++) {
    const device = params.get(`block.${i}.name`);
    // Without the BACKING flag there is one entry per disk (libvirt 9 still sets
    // backingIndex on it, for the top image); names are unique.
    if (typeof device !== 'string' || disks.some((d) => d.device === device)) {
      continue;
    }
    const readBytes = bigintParam(params, `block.${i}.rd.bytes`);
    const writeBytes = bigintParam(params, `block.${i}.wr.bytes`);
    // A disk without I/O counters this round: no totals rather than a false 0.
    if (readBytes === undefined || writeBytes === undefined) {
      return undefined;
    }
    disks.push({
      device,
      readBytes,
      writeBytes,
      readOps: bigintParam(params, `block.${i}.rd.reqs`) ?? 0n,
      writeOps: bigintParam(params, `block.${i}.wr.reqs`) ?? 0n,
    });
  }
  return disks;
}

function readInterfaces(params: Map<string, TypedParamValue>): InterfaceSample[] | undefined {
  const count = numberParam(params, 'net.count');
  if (count === undefined) {
    return undefined;
  }
  const interfaces: InterfaceSample[] = [];
  for (let i = 0; i < count; i++) {
    const name = params.get(`net.${i}.name`);
    if (typeof name !== 'string') {
      continue;
    }
    const counter = (key: string): bigint => bigintParam(params, `net.${i}.${key}`) ?? 0n;
    interfaces.push({
      interface: name,
      rxBytes: counter('rx.bytes'),
      txBytes: counter('tx.bytes'),
      rxPackets: counter('rx.pkts'),
      txPackets: counter('tx.pkts'),
      rxErrors: counter('rx.errs'),
      txErrors: counter('tx.errs'),
      rxDrops: counter('rx.drop'),
      txDrops: counter('tx.drop'),
    });
  }
  return interfaces;
}

/** The groups present in a record, by the collector's names. */
export function groupsPresent(reading: DomainReading): Set<StatsGroupName> {
  const present = new Set<StatsGroupName>();
  if (reading.cpu) {
    present.add('cpu');
  }
  if (reading.vcpus !== undefined) {
    present.add('vcpu');
  }
  if (reading.memory) {
    present.add('balloon');
  }
  if (reading.disks) {
    present.add('block');
  }
  if (reading.interfaces) {
    present.add('interface');
  }
  return present;
}

/** `monoNs`: the monotonic time the values were read at (middle of the call). */
export function readBulkRecord(record: DomainStatsRecord, monoNs: bigint): DomainReading {
  const { params } = record;
  const reading: DomainReading = { domain: record.domain, state: numberParam(params, 'state.state') ?? 0 };
  const cpuTime = bigintParam(params, 'cpu.time');
  if (cpuTime !== undefined) {
    reading.cpu = { timeNs: cpuTime, monoNs };
  }
  const vcpus = numberParam(params, 'vcpu.current');
  if (vcpus !== undefined) {
    reading.vcpus = vcpus;
  }
  const memory = readMemory(params);
  if (memory) {
    reading.memory = memory;
  }
  const disks = readDisks(params);
  if (disks) {
    reading.disks = disks;
  }
  const interfaces = readInterfaces(params);
  if (interfaces) {
    reading.interfaces = interfaces;
  }
  return reading;
}
