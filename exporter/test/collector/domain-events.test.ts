import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { DomainEventSource, REBOOT_COLLAPSE_MS, STATE_READ_ATTEMPTS } from '../../src/collector/domain-events.js';
import { CallTimeoutError, DomainEventId, DomainEventType, DomainState, type DomainStatsRecord, type LibvirtClient } from '../../src/libvirt/index.js';
import type { VmEvent } from '../../src/model/event.js';

interface FakeDomain {
  name: string;
  uuid: string;
  id: number;
  state: number;
  reason: number;
}

/** Enough of a LibvirtClient for the source: registration, the STATE stats group, and events to fire. */
class FakeClient extends EventEmitter {
  registered: number[] = [];
  /** getAllDomainStats calls so far. */
  reads = 0;
  constructor(private readonly domains: FakeDomain[]) {
    super();
  }
  async registerDomainEvent(eventId: number): Promise<number> {
    this.registered.push(eventId);
    return this.registered.length;
  }
  async getAllDomainStats(): Promise<DomainStatsRecord[]> {
    this.reads++;
    return this.domains.map((d) => ({
      domain: { name: d.name, uuid: d.uuid, id: d.id },
      params: new Map<string, number>([
        ['state.state', d.state],
        ['state.reason', d.reason],
      ]),
    }));
  }
  fire(domain: FakeDomain, event: number, detail: number): void {
    this.emit('lifecycle', { callbackId: 1, domain: { name: domain.name, uuid: domain.uuid, id: domain.id }, event, detail });
  }
}

const uuid = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
const summary = (events: VmEvent[]) => events.map((e) => `${e.vm} ${e.event}/${e.detail}${e.reconciled ? ' (reconciled)' : ''}`);

test('libvirt events become VmEvents with the names of libvirt detail enums, times strictly increasing', async () => {
  const events: VmEvent[] = [];
  const source = new DomainEventSource({ onEvent: (e) => events.push(e), now: () => 1000 });
  const vm = { name: 'vm-a', uuid: uuid(1), id: 3, state: DomainState.RUNNING, reason: 1 };
  const client = new FakeClient([vm]);
  await source.attach(client as unknown as LibvirtClient);
  assert.deepEqual(client.registered, [DomainEventId.LIFECYCLE, DomainEventId.REBOOT]);
  assert.equal(events.length, 0, 'the first connection is the baseline: no events');

  client.fire(vm, DomainEventType.SUSPENDED, 0);
  client.fire(vm, DomainEventType.RESUMED, 0);
  client.emit('reboot', { callbackId: 2, domain: vm });
  client.fire({ ...vm, id: -1 }, DomainEventType.STOPPED, 1);
  client.fire({ ...vm, id: -1 }, DomainEventType.STARTED, 99);
  assert.deepEqual(summary(events), [
    'vm-a suspended/paused',
    'vm-a resumed/unpaused',
    'vm-a rebooted/',
    'vm-a stopped/destroyed',
    'vm-a started/detail_99',
  ]);
  assert.deepEqual(
    events.map((e) => e.timeMs),
    [1000, 1001, 1002, 1003, 1004]
  );
  assert.equal(events[0]!.uuid, uuid(1));
});

test('a second reboot event of a domain within REBOOT_COLLAPSE_MS of the last written one is the same reboot', async () => {
  const events: VmEvent[] = [];
  let now = 10_000;
  const source = new DomainEventSource({ onEvent: (e) => events.push(e), now: () => now });
  const a = { name: 'vm-a', uuid: uuid(1), id: 3, state: DomainState.RUNNING, reason: 1 };
  const b = { name: 'vm-b', uuid: uuid(2), id: 4, state: DomainState.RUNNING, reason: 1 };
  const client = new FakeClient([a, b]);
  await source.attach(client as unknown as LibvirtClient);
  client.emit('reboot', { callbackId: 2, domain: a });
  now += 250; // the firmware's own reset after QEMU's, as a real reset gives
  client.emit('reboot', { callbackId: 2, domain: a });
  client.emit('reboot', { callbackId: 2, domain: b }); // another domain: its own reboot
  now += REBOOT_COLLAPSE_MS - 251;
  client.emit('reboot', { callbackId: 2, domain: a });
  now += 1; // REBOOT_COLLAPSE_MS after the first: a new reboot
  client.emit('reboot', { callbackId: 2, domain: a });
  assert.deepEqual(
    events.map((e) => `${e.vm} ${e.event} ${e.timeMs}`),
    ['vm-a rebooted 10000', 'vm-b rebooted 10250', `vm-a rebooted ${10_000 + REBOOT_COLLAPSE_MS}`]
  );
});

test('after a reconnect every difference from the last known states is reported as reconciled', async () => {
  const events: VmEvent[] = [];
  const source = new DomainEventSource({ onEvent: (e) => events.push(e) });
  const running = { name: 'running', uuid: uuid(1), id: 1, state: DomainState.RUNNING, reason: 1 };
  const paused = { name: 'paused', uuid: uuid(2), id: 2, state: DomainState.PAUSED, reason: 1 };
  const restarted = { name: 'restarted', uuid: uuid(3), id: 3, state: DomainState.RUNNING, reason: 1 };
  const removed = { name: 'removed', uuid: uuid(4), id: -1, state: DomainState.SHUTOFF, reason: 0 };
  const vanished = { name: 'vanished', uuid: uuid(5), id: 5, state: DomainState.RUNNING, reason: 1 };
  const unchanged = { name: 'unchanged', uuid: uuid(6), id: 6, state: DomainState.RUNNING, reason: 1 };
  const first = new FakeClient([running, paused, restarted, removed, vanished, unchanged]);
  await source.attach(first as unknown as LibvirtClient);
  // Seen live before the outage: 'paused' was resumed.
  first.fire(paused, DomainEventType.RESUMED, 0);
  events.length = 0;

  const second = new FakeClient([
    { ...running, id: -1, state: DomainState.SHUTOFF, reason: 2 },
    { ...paused, state: DomainState.PAUSED, reason: 1 },
    { ...restarted, id: 30 },
    unchanged,
    { name: 'added', uuid: uuid(7), id: 7, state: DomainState.RUNNING, reason: 1 },
  ]);
  await source.attach(second as unknown as LibvirtClient);
  assert.deepEqual(summary(events), [
    'running stopped/destroyed (reconciled)',
    'paused suspended/user (reconciled)',
    'restarted stopped/unknown (reconciled)',
    'restarted started/booted (reconciled)',
    'added defined/added (reconciled)',
    'added started/booted (reconciled)',
    'removed undefined/removed (reconciled)',
    'vanished stopped/unknown (reconciled)',
    'vanished undefined/removed (reconciled)',
  ]);
  assert.deepEqual(second.registered, [DomainEventId.LIFECYCLE, DomainEventId.REBOOT], 'registered again on the new connection');

  // Back from pause while connected: a live event, not reconciled.
  events.length = 0;
  second.fire(paused, DomainEventType.RESUMED, 0);
  assert.deepEqual(summary(events), ['paused resumed/unpaused']);
});

test('a registration libvirt refuses rejects attach, for the caller to report', async () => {
  const source = new DomainEventSource({ onEvent: () => {} });
  const client = new FakeClient([]);
  client.registerDomainEvent = () => Promise.reject(new Error('operation not supported'));
  await assert.rejects(source.attach(client as unknown as LibvirtClient), /not supported/);
});

test('a state read that times out is tried again, so the connection still gets its baseline for the next reconnect', async () => {
  const events: VmEvent[] = [];
  const source = new DomainEventSource({ onEvent: (e) => events.push(e) });
  const vm = { name: 'vm-a', uuid: uuid(1), id: 3, state: DomainState.RUNNING, reason: 1 };
  const first = new FakeClient([vm]);
  const read = first.getAllDomainStats.bind(first);
  let reads = 0;
  first.getAllDomainStats = () => (++reads < STATE_READ_ATTEMPTS ? Promise.reject(new CallTimeoutError('CONNECT_GET_ALL_DOMAIN_STATS', 5000)) : read());
  await source.attach(first as unknown as LibvirtClient);
  assert.equal(reads, STATE_READ_ATTEMPTS);

  // Paused during an outage: the next connection reconciles it against that baseline.
  const second = new FakeClient([{ ...vm, state: DomainState.PAUSED, reason: 2 }]);
  await source.attach(second as unknown as LibvirtClient);
  assert.deepEqual(
    events.map((e) => [e.vm, e.event, e.reconciled]),
    [['vm-a', 'suspended', true]]
  );
});

test('a state read that keeps timing out rejects attach, naming the read', async () => {
  const source = new DomainEventSource({ onEvent: () => {} });
  const client = new FakeClient([]);
  let reads = 0;
  client.getAllDomainStats = () => (reads++, Promise.reject(new CallTimeoutError('CONNECT_GET_ALL_DOMAIN_STATS', 5000)));
  await assert.rejects(source.attach(client as unknown as LibvirtClient), /reading every domain's state for reconciliation failed \(attempt 3\): libvirt call CONNECT_GET_ALL_DOMAIN_STATS got no reply/);
  assert.equal(reads, STATE_READ_ATTEMPTS);
});

/**
 * Resolves once done() holds, checked every 5 ms (a loaded machine runs timers late);
 * fails naming what it waited for after 10 s.
 */
async function until(done: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !done(); ) {
    assert.ok(Date.now() < deadline, `no ${what} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A source whose connection was replaced (libvirtd restarted) with a running VM
 * in both reads; `domains` is what the new connection's later reads see.
 */
async function reconnected(settleReads: { afterMs: number[]; confirmMs: number }) {
  const events: VmEvent[] = [];
  const source = new DomainEventSource({ onEvent: (e) => events.push(e), settleReads });
  const vm: FakeDomain = { name: 'vm-a', uuid: uuid(1), id: 3, state: DomainState.RUNNING, reason: 1 };
  await source.attach(new FakeClient([vm]) as unknown as LibvirtClient);
  const domains = [{ ...vm }];
  const client = new FakeClient(domains);
  await source.attach(client as unknown as LibvirtClient);
  return { events, vm, domains, client };
}

test('after a reconnect a state that changes without an event (a guest libvirtd finds dead later) is reconciled by the settle reads', async () => {
  const { events, vm, domains } = await reconnected({ afterMs: [20], confirmMs: 10 });
  assert.equal(events.length, 0);
  // The reconnect's read still showed it running; then, with no event, shut off.
  domains[0] = { ...vm, id: -1, state: DomainState.SHUTOFF, reason: 5 };
  await until(() => events.length > 0, 'a reconciled event');
  assert.deepEqual(
    events.map((e) => [e.vm, e.event, e.reconciled]),
    [['vm-a', 'stopped', true]]
  );
});

test('a settle read that a live event overtakes reconciles nothing: the difference must hold in two reads', async () => {
  const { events, vm, domains, client } = await reconnected({ afterMs: [20], confirmMs: 30 });
  // Paused just before the first settle read; its event arrives between the two reads.
  const paused = { ...vm, state: DomainState.PAUSED, reason: 2 };
  domains[0] = paused;
  setTimeout(() => client.fire(paused, DomainEventType.SUSPENDED, 0), 35);
  // The reconnect's read and both settle reads (timers keep their order however late they run).
  await until(() => client.reads >= 3, 'both settle reads');
  assert.deepEqual(
    events.map((e) => [e.vm, e.event, e.reconciled]),
    [['vm-a', 'suspended', false]]
  );
});
