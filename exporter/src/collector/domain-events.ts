// Lifecycle events of every domain: registers for libvirt's lifecycle and
// reboot events on each new connection and turns them into VmEvents. A
// connection that ends loses its registrations and whatever happened until
// the next one: on every reconnect the source compares the domains' states
// with the states it last knew and reports each difference as a reconciled
// event, so an outage leaves no silent gap.

import {
  CallTimeoutError,
  DOMAIN_EVENT_DETAILS,
  DOMAIN_STATE_REASONS,
  DomainEventId,
  DomainEventType,
  DomainState,
  DomainStatsGroup,
  GetAllDomainStatsFlag,
  type DomainRef,
  type LibvirtClient,
  type LifecycleEventMessage,
} from '../libvirt/index.js';
import type { VmEvent } from '../model/event.js';
import { stateName } from './vm-tracker.js';

export const EVENT_NAMES: Readonly<Record<number, string>> = {
  [DomainEventType.DEFINED]: 'defined',
  [DomainEventType.UNDEFINED]: 'undefined',
  [DomainEventType.STARTED]: 'started',
  [DomainEventType.SUSPENDED]: 'suspended',
  [DomainEventType.RESUMED]: 'resumed',
  [DomainEventType.STOPPED]: 'stopped',
  [DomainEventType.SHUTDOWN]: 'shutdown',
  [DomainEventType.PMSUSPENDED]: 'pmsuspended',
  [DomainEventType.CRASHED]: 'crashed',
};

/** The state a domain is in after a lifecycle event; undefined when the event does not say (defined, undefined). */
const STATE_AFTER: Readonly<Record<number, number>> = {
  [DomainEventType.STARTED]: DomainState.RUNNING,
  [DomainEventType.SUSPENDED]: DomainState.PAUSED,
  [DomainEventType.RESUMED]: DomainState.RUNNING,
  [DomainEventType.STOPPED]: DomainState.SHUTOFF,
  [DomainEventType.SHUTDOWN]: DomainState.SHUTDOWN,
  [DomainEventType.PMSUSPENDED]: DomainState.PMSUSPENDED,
  [DomainEventType.CRASHED]: DomainState.CRASHED,
};

/** The event that leads into a state, for reconciliation. */
const EVENT_INTO: Readonly<Record<number, string>> = {
  [DomainState.RUNNING]: 'started',
  [DomainState.PAUSED]: 'suspended',
  [DomainState.SHUTDOWN]: 'shutdown',
  [DomainState.SHUTOFF]: 'stopped',
  [DomainState.CRASHED]: 'crashed',
  [DomainState.PMSUSPENDED]: 'pmsuspended',
};

/**
 * A reboot event of a domain within this long of its last written one is
 * the same reboot: one `virsh reset` of a SeaBIOS guest gives two or three
 * (QEMU's reset, then the firmware's own as soon as it runs, 0.14-0.25 s
 * later here; the window leaves room for a loaded host). docs/CONTRACT.md,
 * vm_event.
 */
export const REBOOT_COLLAPSE_MS = 5000;

interface KnownDomain {
  name: string;
  /** Hypervisor id: a running domain with a new id was restarted. */
  id: number;
  state: number;
  reason: number;
}

export function eventName(event: number): string {
  return EVENT_NAMES[event] ?? `event_${event}`;
}

export function detailName(event: number, detail: number): string {
  return DOMAIN_EVENT_DETAILS[event]?.[detail] ?? `detail_${detail}`;
}

function reasonName(state: number, reason: number): string {
  return DOMAIN_STATE_REASONS[state]?.[reason] ?? `reason_${reason}`;
}

/** Whether two readings of a domain are one state of one run: no difference for reconcile to report. */
function sameState(a: KnownDomain | undefined, b: KnownDomain): boolean {
  return a !== undefined && normalState(a.state) === normalState(b.state) && (normalState(b.state) !== DomainState.RUNNING || a.id === b.id);
}

/** Blocked is a running domain waiting on a resource, not a transition. */
function normalState(state: number): number {
  return state === DomainState.BLOCKED || state === DomainState.NOSTATE ? DomainState.RUNNING : state;
}

export interface DomainEventSourceOptions {
  /** Receives each event, with the connection it came from (for the host name). */
  onEvent: (event: VmEvent, client: LibvirtClient) => void;
  /** Milliseconds since the epoch; Date.now unless a test replaces it. */
  now?: () => number;
  /** When to read the states again after a reconnect, and the gap that confirms a difference (tests shorten them). */
  settleReads?: { afterMs: number[]; confirmMs: number };
}

/**
 * A restarted libvirtd accepts clients before it has reconnected to its
 * running domains (qemuProcessReconnect, one thread per domain): a domain
 * whose QEMU died during the outage shows "running" until its thread gives
 * up, and is then marked shut off without any lifecycle event. So after a
 * reconnect the states are read again, twice (a loaded host's threads take
 * longer), and a difference seen in two reads confirmMs apart is reconciled:
 * a live event in between would have updated what is known, so a reply
 * older than an event cannot revert it.
 */
export const SETTLE_READS = { afterMs: [15_000, 60_000], confirmMs: 2_000 };

export class DomainEventSource {
  private known: Map<string, KnownDomain> | null = null;
  /** The connection the source listens on now: settle reads of an older one stop. */
  private client: LibvirtClient | null = null;
  private lastTimeMs = 0;
  /** Time of each domain's last written reboot event, by uuid. */
  private readonly lastReboot = new Map<string, number>();

  constructor(private readonly options: DomainEventSourceOptions) {}

  /**
   * Registers for events on a new connection, then reads every domain's
   * state: the first connection's states are the baseline, a later one's
   * are reconciled against what the source knew. Rejects when libvirt
   * refuses the registration or the read; the caller reports the error.
   */
  async attach(client: LibvirtClient): Promise<void> {
    client.on('lifecycle', (message) => this.onLifecycle(client, message));
    client.on('reboot', (message) => this.onReboot(client, message.domain));
    await client.registerDomainEvent(DomainEventId.LIFECYCLE);
    await client.registerDomainEvent(DomainEventId.REBOOT);
    const current = await readStatesRetried(client);
    this.client = client;
    if (this.known !== null) {
      this.reconcile(client, current);
      this.scheduleSettleReads(client);
    }
    this.known = current;
  }

  private scheduleSettleReads(client: LibvirtClient): void {
    const { afterMs, confirmMs } = this.options.settleReads ?? SETTLE_READS;
    for (const delay of afterMs) {
      setTimeout(() => void this.settle(client, confirmMs).catch(() => {}), delay).unref();
    }
  }

  /** Reconciles the differences from what is known that two reads confirmMs apart agree on. */
  private async settle(client: LibvirtClient, confirmMs: number): Promise<void> {
    if (!this.listensOn(client)) {
      return;
    }
    const first = await readStates(client);
    if (!this.differs(first)) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, confirmMs).unref());
    if (!this.listensOn(client)) {
      return;
    }
    const second = await readStates(client);
    const known = this.known!;
    const settled = new Map(known);
    for (const [uuid, now] of second) {
      const before = first.get(uuid);
      if (before && sameState(before, now) && !sameState(known.get(uuid), now)) {
        settled.set(uuid, now);
      }
    }
    for (const uuid of known.keys()) {
      if (!first.has(uuid) && !second.has(uuid)) {
        settled.delete(uuid);
      }
    }
    this.reconcile(client, settled);
    this.known = settled;
  }

  private listensOn(client: LibvirtClient): boolean {
    return this.client === client && !client.closed;
  }

  private differs(current: Map<string, KnownDomain>): boolean {
    const known = this.known!;
    return current.size !== known.size || [...current].some(([uuid, now]) => !sameState(known.get(uuid), now));
  }

  private onReboot(client: LibvirtClient, domain: DomainRef): void {
    const last = this.lastReboot.get(domain.uuid);
    if (last !== undefined && (this.options.now ?? Date.now)() - last < REBOOT_COLLAPSE_MS) {
      return;
    }
    this.lastReboot.set(domain.uuid, this.emit(client, domain, 'rebooted', '', false));
  }

  private onLifecycle(client: LibvirtClient, message: LifecycleEventMessage): void {
    const { domain, event, detail } = message;
    this.emit(client, domain, eventName(event), detailName(event, detail), false);
    if (this.known === null) {
      return;
    }
    const previous = this.known.get(domain.uuid);
    if (event === DomainEventType.UNDEFINED) {
      this.lastReboot.delete(domain.uuid);
      // A running domain that is undefined lives on as a transient one.
      if (!previous || normalState(previous.state) === DomainState.SHUTOFF) {
        this.known.delete(domain.uuid);
      }
      return;
    }
    const state = STATE_AFTER[event] ?? previous?.state ?? DomainState.SHUTOFF;
    this.known.set(domain.uuid, { name: domain.name, id: domain.id, state, reason: 0 });
  }

  /** One event per difference between what was known and what libvirt says now. */
  private reconcile(client: LibvirtClient, current: Map<string, KnownDomain>): void {
    const known = this.known!;
    for (const [uuid, now] of current) {
      const ref = { name: now.name, uuid, id: now.id };
      const before = known.get(uuid);
      const state = normalState(now.state);
      const reason = reasonName(now.state, now.reason);
      if (!before) {
        this.emit(client, ref, 'defined', 'added', true);
        if (state !== DomainState.SHUTOFF) {
          this.emit(client, ref, EVENT_INTO[state] ?? stateName(state), reason, true);
        }
        continue;
      }
      if (sameState(before, now)) {
        continue;
      }
      const previousState = normalState(before.state);
      if (state !== previousState) {
        const event = state === DomainState.RUNNING && previousState === DomainState.PAUSED ? 'resumed' : EVENT_INTO[state];
        this.emit(client, ref, event ?? stateName(state), reason, true);
      } else {
        // Running in both, stopped and started again while we were away: a new hypervisor id.
        this.emit(client, ref, 'stopped', 'unknown', true);
        this.emit(client, ref, 'started', reason, true);
      }
    }
    for (const [uuid, before] of known) {
      if (current.has(uuid)) {
        continue;
      }
      const ref = { name: before.name, uuid, id: -1 };
      if (normalState(before.state) !== DomainState.SHUTOFF) {
        this.emit(client, ref, 'stopped', 'unknown', true);
      }
      this.emit(client, ref, 'undefined', 'removed', true);
    }
  }

  /** Hands the event on; returns its time. */
  private emit(client: LibvirtClient, domain: DomainRef, event: string, detail: string, reconciled: boolean): number {
    // Strictly increasing times: two events of one VM in the same millisecond
    // would otherwise be one point in InfluxDB.
    const timeMs = Math.max((this.options.now ?? Date.now)(), this.lastTimeMs + 1);
    this.lastTimeMs = timeMs;
    this.options.onEvent({ timeMs, vm: domain.name, uuid: domain.uuid, event, detail, reconciled }, client);
    return timeMs;
  }
}

/**
 * A state read that times out is tried again: the first bulk call on a
 * connection can take longer than the call timeout (libvirtd loads its
 * storage backends on first use; 6 s here with a real guest), and without
 * a baseline the next outage could not be reconciled.
 */
export const STATE_READ_ATTEMPTS = 3;

async function readStatesRetried(client: LibvirtClient): Promise<Map<string, KnownDomain>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readStates(client);
    } catch (error) {
      if (!(error instanceof CallTimeoutError) || attempt === STATE_READ_ATTEMPTS) {
        throw new Error(`reading every domain's state for reconciliation failed (attempt ${attempt}): ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  }
}

async function readStates(client: LibvirtClient): Promise<Map<string, KnownDomain>> {
  const records = await client.getAllDomainStats(DomainStatsGroup.STATE, GetAllDomainStatsFlag.NOWAIT);
  const states = new Map<string, KnownDomain>();
  for (const { domain, params } of records) {
    const state = Number(params.get('state.state') ?? DomainState.NOSTATE);
    const reason = Number(params.get('state.reason') ?? 0);
    states.set(domain.uuid, { name: domain.name, id: domain.id, state, reason });
  }
  return states;
}
