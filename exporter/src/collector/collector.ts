// One collection round over every domain of a libvirt connection: one bulk
// virConnectGetAllDomainStats call (NOWAIT, so a VM in a long job does not
// hold up the others) for the groups the driver gives in bulk, then
// per-domain calls for the groups it gives only that way (libvirt's test
// driver gives only `state` in bulk), each VM every --libvirt-fallback-interval.
// Where each group comes from is probed (GroupSources), never asked blindly.

import {
  CallTimeoutError,
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
import { FallbackSchedule } from './fallback-schedule.js';
import { ALL_STATS_GROUPS, GroupSources, STATS_GROUP_NAMES, type GroupState, type ProbeFinding } from './group-sources.js';
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

/** VMs whose per-domain calls a probe makes, to learn which groups the driver gives that way. */
const PROBE_VMS = 4;

/** Kinds of libvirt errors counted in the exporter's metrics. */
export type LibvirtErrorKind = 'timeout' | 'vanished' | 'call';

export interface CollectorOptions {
  /** Per-domain calls in flight at once. */
  concurrency: number;
  /** A VM whose call timed out gets no per-domain calls for this long. */
  penaltyMs: number;
  /** Device names from the domain XML are re-read this often (hotplug). */
  devicesRefreshMs: number;
  /** The round interval: rounds are numbered by it on the wall clock. */
  intervalMs: number;
  /** Each VM's per-domain calls are made this often (a multiple of the interval; every round when ≤ it). */
  fallbackIntervalMs: number;
  /** Where each group comes from is probed again this often (and on every new connection). */
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

/** What one VM's per-domain calls for one group showed. */
type CallOutcome = 'data' | 'refused' | 'nothing';

export class Collector {
  private readonly devices = new Map<string, { devices: DomainDevices; readAt: number }>();
  private readonly penaltyUntil = new Map<string, number>();
  private readonly sources: GroupSources;
  private readonly schedule: FallbackSchedule;
  private readonly now: () => number;

  constructor(private readonly options: CollectorOptions) {
    this.now = options.now ?? Date.now;
    this.sources = new GroupSources(options.reprobeMs);
    this.schedule = new FallbackSchedule(this.fallbackRounds);
  }

  /** Rounds between two per-domain reads of a VM. */
  get fallbackRounds(): number {
    return Math.max(1, Math.ceil(this.options.fallbackIntervalMs / this.options.intervalMs));
  }

  async collect(client: StatsClient): Promise<RoundResult> {
    const nowMs = this.now();
    const round = Math.floor(nowMs / this.options.intervalMs);
    const probing = this.sources.probeDue(client, nowMs);
    const { records, listed } = await this.bulk(client, probing ? ALL_STATS_GROUPS : this.sources.bulkFlags());
    const readings = records.map(({ record, monoNs }) => readBulkRecord(record, monoNs));
    const running = readings.filter((r) => r.domain.id !== -1 && !((this.penaltyUntil.get(runKey(r.domain)) ?? 0) > nowMs));
    if (!probing) {
      this.sources.foundInBulk(new Set(running.flatMap((reading) => [...groupsPresent(reading)])), nowMs);
    }
    const probed = probing ? await this.probe(client, running, nowMs, round) : new Set<DomainReading>();
    const perDomain = this.sources.perDomain();
    if (perDomain.size > 0) {
      const due = running.filter((r) => !probed.has(r) && this.schedule.due(runKey(r.domain), r.domain.uuid, round));
      await mapLimit(due, this.options.concurrency, (reading) => this.readPerDomain(client, reading, perDomain));
    }
    const current = new Set(records.map(({ record }) => runKey(record.domain)));
    this.forgetOtherRuns(current);
    this.schedule.keepOnly(current);
    return { readings, listed };
  }

  /** Per stats group: its source and when it was last probed. */
  groupSources(): GroupState[] {
    return this.sources.all();
  }

  /**
   * Learns each group's source from this round's bulk records (asked for every
   * group) and, for the groups no record holds, from the per-domain calls of a
   * few running VMs; those VMs' readings are this round's. Returns them.
   */
  private async probe(client: StatsClient, running: DomainReading[], nowMs: number, round: number): Promise<Set<DomainReading>> {
    const findings = new Map<StatsGroupName, ProbeFinding>();
    if (running.length === 0) {
      this.sources.probed(client, nowMs, findings);
      return new Set();
    }
    const inBulk = new Set(running.flatMap((reading) => [...groupsPresent(reading)]));
    const lacking = new Set(STATS_GROUP_NAMES.filter((group) => !inBulk.has(group)));
    const probed = running.slice(0, lacking.size > 0 ? PROBE_VMS : 0);
    const outcomes = await mapLimit(probed, this.options.concurrency, (reading) => this.readPerDomain(client, reading, lacking));
    for (const group of STATS_GROUP_NAMES) {
      const seen = outcomes.map((outcome) => outcome.get(group));
      findings.set(group, {
        inBulk: inBulk.has(group),
        perDomainData: seen.includes('data'),
        perDomainRefused: seen.includes('refused'),
      });
    }
    for (const reading of probed) {
      this.schedule.read(runKey(reading.domain), reading.domain.uuid, round);
    }
    this.sources.probed(client, nowMs, findings);
    const changed = this.sources.all().map(({ group, source }) => `${group}=${source}`).join(' ');
    this.options.log.debug('stats groups probed', { sources: changed, probedVms: probed.length });
    return new Set(probed);
  }

  private async bulk(client: StatsClient, groups: number): Promise<{ records: Array<{ record: DomainStatsRecord; monoNs: bigint }>; listed: Set<string> }> {
    const flags = GetAllDomainStatsFlag.NOWAIT;
    const before = monoNow();
    try {
      const records = await client.getAllDomainStats(groups, flags);
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
        const [record] = await client.getAllDomainStats(groups, flags, [domain]);
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

  /**
   * Reads these groups of one VM by per-domain calls into its reading. A call
   * the driver refuses leaves that group out and the others are still asked;
   * a timeout or a vanished VM ends the VM's calls for this round.
   */
  private async readPerDomain(client: StatsClient, reading: DomainReading, groups: Set<StatsGroupName>): Promise<Map<StatsGroupName, CallOutcome>> {
    const { domain } = reading;
    const outcomes = new Map<StatsGroupName, CallOutcome>();
    const steps: Array<[StatsGroupName[], () => Promise<CallOutcome>]> = [
      [
        ['cpu', 'vcpu'],
        async () => {
          const start = monoNow();
          const info = await client.domainGetInfo(domain);
          if (groups.has('cpu')) {
            reading.cpu = { timeNs: info.cpuTimeNs, monoNs: (start + monoNow()) / 2n };
          }
          if (groups.has('vcpu')) {
            reading.vcpus = info.nrVirtCpu;
          }
          if (reading.memory?.actualKiB === undefined) {
            // The balloon size comes with the info: memory_total_bytes also when no memory stats come.
            reading.memory = { ...reading.memory, actualKiB: info.memoryKiB };
          }
          return 'data';
        },
      ],
      [
        ['balloon'],
        async () => {
          const stats = memoryFromStats(await client.domainMemoryStats(domain));
          reading.memory = { ...reading.memory, ...stats };
          return Object.keys(stats).length > 0 ? 'data' : 'refused';
        },
      ],
      [
        ['block'],
        async () => {
          const { disks } = await this.domainDevices(client, domain);
          reading.disks = await this.diskStats(client, domain, disks);
          return disks.length > 0 ? 'data' : 'nothing';
        },
      ],
      [
        ['interface'],
        async () => {
          const { interfaces } = await this.domainDevices(client, domain);
          reading.interfaces = await this.interfaceStats(client, domain, interfaces);
          return interfaces.length > 0 ? 'data' : 'nothing';
        },
      ],
    ];
    for (const [stepGroups, step] of steps) {
      const asked = stepGroups.filter((group) => groups.has(group));
      if (asked.length === 0) {
        continue;
      }
      let outcome: CallOutcome;
      try {
        outcome = await step();
      } catch (error) {
        this.countError(error, domain);
        if (!(error instanceof LibvirtError) || error.code === ErrorCode.NO_DOMAIN) {
          break;
        }
        outcome = 'refused';
      }
      for (const group of asked) {
        outcomes.set(group, outcome);
      }
    }
    return outcomes;
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
    for (const map of [this.devices, this.penaltyUntil]) {
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
