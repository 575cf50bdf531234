// Where each stats group of a libvirt connection comes from: the one bulk
// call, per-domain calls, or nowhere (the driver gives it neither way).
// Learned by a probe on the first round of each connection and again every
// few minutes, so that the rounds in between ask libvirt only for what it
// gives: on the test driver, whose bulk stats hold only `state`, a round is
// the bulk call for `state` plus the per-domain calls that are due.

import { DomainStatsGroup } from '../libvirt/index.js';
import type { StatsGroupName } from './domain-reading.js';

/** bulk: in the bulk call; domain: per-domain calls; none: neither; unknown: not probed yet (no running VM so far). */
export type GroupSource = 'bulk' | 'domain' | 'none' | 'unknown';

export const GROUP_SOURCES: readonly GroupSource[] = ['bulk', 'domain', 'none', 'unknown'];

export const STATS_GROUP_NAMES: readonly StatsGroupName[] = ['cpu', 'vcpu', 'balloon', 'block', 'interface'];

const BULK_FLAG: Record<StatsGroupName, number> = {
  cpu: DomainStatsGroup.CPU_TOTAL,
  vcpu: DomainStatsGroup.VCPU,
  balloon: DomainStatsGroup.BALLOON,
  block: DomainStatsGroup.BLOCK,
  interface: DomainStatsGroup.INTERFACE,
};

/** Every group the exporter reads, as the bulk call's flags: what a probe asks for. */
export const ALL_STATS_GROUPS = STATS_GROUP_NAMES.reduce((flags, group) => flags | BULK_FLAG[group], DomainStatsGroup.STATE);

export interface GroupState {
  group: StatsGroupName;
  source: GroupSource;
  /** When the group's source was last decided (ms since the epoch); 0 before that. */
  probedAtMs: number;
}

/** What a probe found for one group. */
export interface ProbeFinding {
  inBulk: boolean;
  /** A per-domain call gave the group's values for some VM. */
  perDomainData: boolean;
  /** A per-domain call showed the driver does not give the group (an error, or memory stats that are empty). */
  perDomainRefused: boolean;
}

export class GroupSources {
  private readonly states = new Map<StatsGroupName, GroupState>(
    STATS_GROUP_NAMES.map((group) => [group, { group, source: 'unknown', probedAtMs: 0 }])
  );
  private probedClient: object | null = null;

  constructor(private readonly reprobeMs: number) {}

  /** A probe is due on a new connection, every reprobeMs, and while a group is still unknown. */
  probeDue(client: object, nowMs: number): boolean {
    if (client !== this.probedClient) {
      return true;
    }
    return [...this.states.values()].some((s) => s.source === 'unknown' || nowMs - s.probedAtMs >= this.reprobeMs);
  }

  /**
   * The bulk call's flags between probes: state and every group but the `none` ones.
   * A `domain` group is still asked for there (the same one call, nothing more for a
   * driver that lacks it): a probe can take a group NOWAIT left out of every record
   * for one that only per-domain calls give (a guest booting holds its job lock).
   */
  bulkFlags(): number {
    let flags: number = DomainStatsGroup.STATE;
    for (const { group, source } of this.states.values()) {
      if (source !== 'none') {
        flags |= BULK_FLAG[group];
      }
    }
    return flags;
  }

  /** A `domain` group some bulk record held after all: it comes from the bulk call from now on. */
  foundInBulk(groups: Set<StatsGroupName>, nowMs: number): void {
    for (const state of this.states.values()) {
      if (state.source === 'domain' && groups.has(state.group)) {
        state.source = 'bulk';
        state.probedAtMs = nowMs;
      }
    }
  }

  /** The groups read by per-domain calls. */
  perDomain(): Set<StatsGroupName> {
    return new Set([...this.states.values()].filter((s) => s.source === 'domain').map((s) => s.group));
  }

  /**
   * Records a probe of this connection. Without a finding for a group (no running VM
   * to ask) it stays as it was. A per-domain group no VM gave and none refused
   * (e.g. no VM has a disk) stays per-domain: asking costs nothing then.
   */
  probed(client: object, nowMs: number, findings: Map<StatsGroupName, ProbeFinding>): void {
    this.probedClient = client;
    for (const state of this.states.values()) {
      const finding = findings.get(state.group);
      if (!finding) {
        continue;
      }
      state.source = finding.inBulk ? 'bulk' : finding.perDomainData || !finding.perDomainRefused ? 'domain' : 'none';
      state.probedAtMs = nowMs;
    }
  }

  all(): GroupState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }
}
