// One collection round over every domain of a libvirt connection: one bulk
// virConnectGetAllDomainStats call (NOWAIT, so a VM in a long job does not
// hold up the others), then per-domain calls only for the groups the
// driver's bulk stats lack (libvirt's test driver gives only `state`).

import {
  CallTimeoutError,
  DomainStatsGroup,
  ErrorCode,
  GetAllDomainStatsFlag,
  LibvirtError,
  MemoryStatTag,
  type DomainRef,
  type DomainStatsRecord,
  type LibvirtClient,
} from '../libvirt/index.js';
import type { Logger } from '../log.js';
import { groupsPresent, readBulkRecord } from './bulk-stats.js';
import { parseDomainDevices, type DomainDevices } from './domain-devices.js';
import type { DomainReading, MemoryReading, StatsGroupName } from './domain-reading.js';
import { mapLimit } from './map-limit.js';

/** The calls a round makes; LibvirtClient has them, and so do the tests' fakes. */
export type StatsClient = Pick<
  LibvirtClient,
  | 'getAllDomainStats'
  | 'listAllDomains'
  | 'domainGetInfo'
  | 'domainMemoryStats'
  | 'domainBlockStats'
  | 'domainInterfaceStats'
  | 'domainGetXMLDesc'
>;

export const STATS_GROUPS =
  DomainStatsGroup.STATE |
  DomainStatsGroup.CPU_TOTAL |
  DomainStatsGroup.BALLOON |
  DomainStatsGroup.VCPU |
  DomainStatsGroup.INTERFACE |
  DomainStatsGroup.BLOCK;

const ALL_GROUPS: StatsGroupName[] = ['cpu', 'vcpu', 'balloon', 'block', 'interface'];

/** Kinds of libvirt errors counted in the exporter's metrics. */
export type LibvirtErrorKind = 'timeout' | 'vanished' | 'call';

export interface CollectorOptions {
  /** Per-domain calls in flight at once. */
  concurrency: number;
  /** A VM whose call timed out gets no per-domain calls for this long. */
  penaltyMs: number;
  /** Device names from the domain XML are re-read this often (hotplug). */
  devicesRefreshMs: number;
  /** A group whose per-domain call gave nothing for a VM is asked again after this long. */
  reprobeMs: number;
  log: Logger;
  onError: (kind: LibvirtErrorKind) => void;
  now?: () => number;
}

export interface RoundResult {
  readings: DomainReading[];
  /** UUIDs of every domain libvirt listed, read or not. */
  listed: Set<string>;
}

const monoNow = (): bigint => process.hrtime.bigint();

function runKey(domain: DomainRef): string {
  return `${domain.uuid}/${domain.id}`;
}

export class Collector {
  /** Groups the bulk call ever gave for a domain run: missing later means NOWAIT skipped it, not that the driver lacks it. */
  private readonly bulkGroups = new Map<string, Set<StatsGroupName>>();
  private readonly devices = new Map<string, { devices: DomainDevices; readAt: number }>();
  private readonly penaltyUntil = new Map<string, number>();
  /**
   * Groups whose per-domain call gave nothing for a domain run (e.g. memory
   * stats of a guest without balloon driver, or the test driver's domains of
   * a node XML): not asked again every round, only when the time stored
   * here has passed.
   */
  private readonly unprovided = new Map<string, Map<StatsGroupName, number>>();
  private readonly now: () => number;

  constructor(private readonly options: CollectorOptions) {
    this.now = options.now ?? Date.now;
  }

  async collect(client: StatsClient): Promise<RoundResult> {
    const { records, listed } = await this.bulk(client);
    const readings = await mapLimit(records, this.options.concurrency, async ({ record, monoNs }) => {
      const reading = readBulkRecord(record, monoNs);
      if (reading.domain.id !== -1) {
        await this.fillMissingGroups(client, reading);
      }
      return reading;
    });
    this.forgetOtherRuns(new Set(records.map(({ record }) => runKey(record.domain))));
    return { readings, listed };
  }

  private async bulk(client: StatsClient): Promise<{ records: Array<{ record: DomainStatsRecord; monoNs: bigint }>; listed: Set<string> }> {
    const flags = GetAllDomainStatsFlag.NOWAIT;
    const before = monoNow();
    try {
      const records = await client.getAllDomainStats(STATS_GROUPS, flags);
      const monoNs = (before + monoNow()) / 2n;
      return { records: records.map((record) => ({ record, monoNs })), listed: new Set(records.map((r) => r.domain.uuid)) };
    } catch (error) {
      if (!(error instanceof CallTimeoutError)) {
        throw error;
      }
      this.options.onError('timeout');
    }
    // The bulk call stalled on something: ask domain by domain, so one stuck
    // VM costs only its own sample.
    const domains = await client.listAllDomains();
    this.options.log.warn('bulk domain stats timed out; reading domains one by one', { domains: domains.length });
    const records = await mapLimit(domains, this.options.concurrency, async (domain) => {
      const start = monoNow();
      try {
        const [record] = await client.getAllDomainStats(STATS_GROUPS, flags, [domain]);
        return record ? { record, monoNs: (start + monoNow()) / 2n } : undefined;
      } catch (error) {
        this.countError(error, domain);
        return undefined;
      }
    });
    return {
      records: records.filter((r) => r !== undefined),
      listed: new Set(domains.map((d) => d.uuid)),
    };
  }

  private async fillMissingGroups(client: StatsClient, reading: DomainReading): Promise<void> {
    const key = runKey(reading.domain);
    const present = groupsPresent(reading);
    const seen = this.bulkGroups.get(key) ?? new Set<StatsGroupName>();
    for (const group of present) {
      seen.add(group);
    }
    this.bulkGroups.set(key, seen);
    const skipped = this.unprovided.get(key);
    const missing = new Set(ALL_GROUPS.filter((group) => !seen.has(group) && !((skipped?.get(group) ?? 0) > this.now())));
    if (missing.size === 0 || (this.penaltyUntil.get(key) ?? 0) > this.now()) {
      return;
    }

    const { domain } = reading;
    try {
      if (missing.has('cpu') || missing.has('vcpu')) {
        const start = monoNow();
        const info = await client.domainGetInfo(domain);
        if (missing.has('cpu')) {
          reading.cpu = { timeNs: info.cpuTimeNs, monoNs: (start + monoNow()) / 2n };
        }
        if (missing.has('vcpu')) {
          reading.vcpus = info.nrVirtCpu;
        }
        if (missing.has('balloon')) {
          reading.memory = { actualKiB: info.memoryKiB };
        }
      }
      if (missing.has('balloon')) {
        const stats = memoryFromStats(await client.domainMemoryStats(domain));
        if (Object.keys(stats).length === 0) {
          this.remember(key, 'balloon');
        }
        reading.memory = { ...reading.memory, ...stats };
      }
      if (missing.has('block') || missing.has('interface')) {
        const devices = await this.domainDevices(client, domain);
        if (missing.has('block')) {
          reading.disks = await this.diskStats(client, domain, devices.disks);
        }
        if (missing.has('interface')) {
          reading.interfaces = await this.interfaceStats(client, domain, devices.interfaces);
        }
      }
    } catch (error) {
      this.countError(error, domain);
    }
  }

  /** Notes that a group's per-domain call gave nothing for this domain run. */
  private remember(key: string, group: StatsGroupName): void {
    const skipped = this.unprovided.get(key) ?? new Map<StatsGroupName, number>();
    skipped.set(group, this.now() + this.options.reprobeMs);
    this.unprovided.set(key, skipped);
  }

  /** Per group, the domains whose per-domain call for it is skipped until the next probe. */
  skippedGroups(): Map<StatsGroupName, number> {
    const counts = new Map<StatsGroupName, number>();
    const now = this.now();
    for (const skipped of this.unprovided.values()) {
      for (const [group, until] of skipped) {
        if (until > now) {
          counts.set(group, (counts.get(group) ?? 0) + 1);
        }
      }
    }
    return counts;
  }

  private async domainDevices(client: StatsClient, domain: DomainRef): Promise<DomainDevices> {
    const key = runKey(domain);
    const cached = this.devices.get(key);
    if (cached && this.now() - cached.readAt < this.options.devicesRefreshMs) {
      return cached.devices;
    }
    const devices = parseDomainDevices(await client.domainGetXMLDesc(domain));
    this.devices.set(key, { devices, readAt: this.now() });
    return devices;
  }

  private async diskStats(client: StatsClient, domain: DomainRef, names: string[]) {
    const disks = [];
    for (const device of names) {
      const stats = await client.domainBlockStats(domain, device);
      disks.push({
        device,
        // -1 means the driver does not support that counter.
        readBytes: nonNegative(stats.rdBytes),
        writeBytes: nonNegative(stats.wrBytes),
        readOps: nonNegative(stats.rdReq),
        writeOps: nonNegative(stats.wrReq),
      });
    }
    return disks;
  }

  private async interfaceStats(client: StatsClient, domain: DomainRef, names: string[]) {
    const interfaces = [];
    for (const name of names) {
      const s = await client.domainInterfaceStats(domain, name);
      interfaces.push({
        interface: name,
        rxBytes: nonNegative(s.rxBytes),
        txBytes: nonNegative(s.txBytes),
        rxPackets: nonNegative(s.rxPackets),
        txPackets: nonNegative(s.txPackets),
        rxErrors: nonNegative(s.rxErrs),
        txErrors: nonNegative(s.txErrs),
        rxDrops: nonNegative(s.rxDrop),
        txDrops: nonNegative(s.txDrop),
      });
    }
    return interfaces;
  }

  private countError(error: unknown, domain: DomainRef): void {
    if (error instanceof CallTimeoutError) {
      this.options.onError('timeout');
      this.penaltyUntil.set(runKey(domain), this.now() + this.options.penaltyMs);
      this.options.log.warn('libvirt call for a VM timed out; skipping its per-domain calls for a while', {
        vm: domain.name,
        call: error.procedure,
        penaltyMs: this.options.penaltyMs,
      });
    } else if (error instanceof LibvirtError && error.code === ErrorCode.NO_DOMAIN) {
      this.options.onError('vanished');
    } else if (error instanceof LibvirtError) {
      this.options.onError('call');
      this.options.log.debug('libvirt call for a VM failed', { vm: domain.name, error: error.message });
    } else {
      throw error;
    }
  }

  /** Drops what is known of VMs gone and of earlier runs (domain ids) of restarted VMs. */
  private forgetOtherRuns(current: Set<string>): void {
    for (const map of [this.bulkGroups, this.devices, this.penaltyUntil, this.unprovided]) {
      for (const key of map.keys()) {
        if (!current.has(key)) {
          map.delete(key);
        }
      }
    }
  }
}

function nonNegative(value: bigint): bigint {
  return value < 0n ? 0n : value;
}

function memoryFromStats(stats: Map<number, bigint>): MemoryReading {
  const memory: MemoryReading = {};
  const tags: Array<[keyof MemoryReading, number]> = [
    ['availableKiB', MemoryStatTag.AVAILABLE],
    ['usableKiB', MemoryStatTag.USABLE],
    ['unusedKiB', MemoryStatTag.UNUSED],
    ['actualKiB', MemoryStatTag.ACTUAL_BALLOON],
  ];
  for (const [field, tag] of tags) {
    const value = stats.get(tag);
    if (value !== undefined) {
      memory[field] = value;
    }
  }
  return memory;
}
