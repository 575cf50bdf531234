// Turns readings into the contract's samples. Keeps, per VM, the previous
// CPU reading: CPU % needs two, and this state outlives a libvirt
// reconnect (a new connection must not cost a sample). A VM's state is
// forgotten as soon as libvirt no longer lists it: no stale VMs.

import { DomainState } from '../libvirt/index.js';
import type { VmSample } from '../model/sample.js';
import type { DomainReading } from './domain-reading.js';

const STATE_NAMES: Record<number, string> = {
  [DomainState.NOSTATE]: 'nostate',
  [DomainState.RUNNING]: 'running',
  [DomainState.BLOCKED]: 'blocked',
  [DomainState.PAUSED]: 'paused',
  [DomainState.SHUTDOWN]: 'shutdown',
  [DomainState.SHUTOFF]: 'shutoff',
  [DomainState.CRASHED]: 'crashed',
  [DomainState.PMSUSPENDED]: 'pmsuspended',
};

export function stateName(state: number): string {
  return STATE_NAMES[state] ?? `unknown(${state})`;
}

interface CpuReading {
  domainId: number;
  timeNs: bigint;
  monoNs: bigint;
}

const KIB = 1024n;

/**
 * Guest CPU busy in percent of its vCPUs: Δcpu.time / (Δwall × vcpus).
 * Undefined across a restart (new domain id), a counter that went down, or
 * no elapsed time: never a spike.
 */
export function cpuPercent(previous: CpuReading | undefined, current: CpuReading, vcpus: number | undefined): number | undefined {
  if (!previous || vcpus === undefined || vcpus <= 0) {
    return undefined;
  }
  if (previous.domainId !== current.domainId) {
    return undefined;
  }
  const busyNs = current.timeNs - previous.timeNs;
  const wallNs = current.monoNs - previous.monoNs;
  if (busyNs < 0n || wallNs <= 0n) {
    return undefined;
  }
  const percent = (Number(busyNs) / (Number(wallNs) * vcpus)) * 100;
  // The CPU time and the wall clock are read at slightly different moments.
  return Math.min(100, percent);
}

function memoryFields(reading: DomainReading): Pick<VmSample, 'memoryUsagePercent' | 'memoryTotalBytes' | 'memoryUsedBytes'> {
  const memory = reading.memory;
  if (!memory) {
    return {};
  }
  const { availableKiB, usableKiB, unusedKiB, actualKiB } = memory;
  const freeKiB = usableKiB ?? unusedKiB;
  const fields: Pick<VmSample, 'memoryUsagePercent' | 'memoryTotalBytes' | 'memoryUsedBytes'> = {};
  const totalKiB = availableKiB ?? actualKiB;
  if (totalKiB !== undefined) {
    fields.memoryTotalBytes = totalKiB * KIB;
  }
  if (availableKiB !== undefined && availableKiB > 0n && freeKiB !== undefined && freeKiB <= availableKiB) {
    const usedKiB = availableKiB - freeKiB;
    fields.memoryUsedBytes = usedKiB * KIB;
    fields.memoryUsagePercent = (Number(usedKiB) / Number(availableKiB)) * 100;
  }
  return fields;
}

function sum<T>(items: T[] | undefined, value: (item: T) => bigint): bigint | undefined {
  return items?.reduce((total, item) => total + value(item), 0n);
}

export class VmTracker {
  private readonly cpuByUuid = new Map<string, CpuReading>();

  /** VMs with a previous CPU reading (for tests and metrics). */
  get tracked(): number {
    return this.cpuByUuid.size;
  }

  /**
   * The samples of one round. `listed` holds the UUIDs libvirt listed this
   * round, including VMs whose reading failed: only VMs gone from libvirt
   * lose their previous reading.
   */
  samples(readings: DomainReading[], listed: Set<string>, timeMs: number, host: string): VmSample[] {
    for (const uuid of this.cpuByUuid.keys()) {
      if (!listed.has(uuid)) {
        this.cpuByUuid.delete(uuid);
      }
    }
    return readings.map((reading) => this.sample(reading, timeMs, host));
  }

  private sample(reading: DomainReading, timeMs: number, host: string): VmSample {
    const { domain } = reading;
    const sample: VmSample = {
      timeMs,
      vm: domain.name,
      uuid: domain.uuid,
      host,
      domainId: domain.id,
      state: stateName(reading.state),
      disks: reading.disks ?? [],
      interfaces: reading.interfaces ?? [],
      ...memoryFields(reading),
    };
    if (reading.vcpus !== undefined) {
      sample.vcpus = reading.vcpus;
    }

    const previous = this.cpuByUuid.get(domain.uuid);
    if (reading.cpu) {
      const current = { domainId: domain.id, ...reading.cpu };
      const percent = cpuPercent(previous, current, reading.vcpus);
      if (percent !== undefined) {
        sample.cpuUsagePercent = percent;
      }
      this.cpuByUuid.set(domain.uuid, current);
    } else if (previous && previous.domainId !== domain.id) {
      this.cpuByUuid.delete(domain.uuid);
    }

    const diskRead = sum(reading.disks, (d) => d.readBytes);
    const diskWrite = sum(reading.disks, (d) => d.writeBytes);
    const netRx = sum(reading.interfaces, (i) => i.rxBytes);
    const netTx = sum(reading.interfaces, (i) => i.txBytes);
    if (diskRead !== undefined) {
      sample.diskReadBytes = diskRead;
    }
    if (diskWrite !== undefined) {
      sample.diskWriteBytes = diskWrite;
    }
    if (netRx !== undefined) {
      sample.networkRxBytes = netRx;
    }
    if (netTx !== undefined) {
      sample.networkTxBytes = netTx;
    }
    return sample;
  }
}
