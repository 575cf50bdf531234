import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Collector, type LibvirtErrorKind } from '../../src/collector/collector.js';
import { parseDomainDevices } from '../../src/collector/domain-devices.js';
import { cpuPercent, VmTracker } from '../../src/collector/vm-tracker.js';
import { readBulkRecord } from '../../src/collector/bulk-stats.js';
import { ALL_STATS_GROUPS } from '../../src/collector/group-sources.js';
import { CallTimeoutError, DomainStatsGroup, MemoryStatTag, type TypedParamValue } from '../../src/libvirt/index.js';
import { silentLogger } from '../../src/log.js';
import type { VmSample } from '../../src/model/sample.js';
import { FakeLibvirt, fakeVm } from '../support/fake-libvirt.js';

const REPROBE_MS = 300_000;

/** fallbackIntervalMs: how often per-domain groups are read; 1 s (every round) unless a test says otherwise. */
function setup(fallbackIntervalMs = 1000) {
  const errors: LibvirtErrorKind[] = [];
  let clock = 1_764_844_245_000;
  const collector = new Collector({
    concurrency: 4,
    penaltyMs: 30_000,
    devicesRefreshMs: 60_000,
    intervalMs: 1000,
    fallbackIntervalMs,
    reprobeMs: REPROBE_MS,
    log: silentLogger,
    onError: (kind) => errors.push(kind),
    now: () => clock,
  });
  const tracker = new VmTracker();
  const libvirt = new FakeLibvirt();
  const round = async (client: FakeLibvirt = libvirt): Promise<Map<string, VmSample>> => {
    clock += 1000;
    const result = await collector.collect(client);
    return new Map(tracker.samples(result.readings, result.listed, clock, 'hv').map((s) => [s.vm, s]));
  };
  const control = { collector, advance: (ms: number) => (clock += ms), now: () => clock };
  return { libvirt, round, errors, tracker, clock: control };
}

test('cpu percent is busy time over wall time and vCPUs, never a spike', () => {
  const at = (timeNs: bigint, monoNs: bigint, domainId = 1) => ({ domainId, timeNs, monoNs });
  assert.equal(cpuPercent(at(0n, 0n), at(1_000_000_000n, 1_000_000_000n), 2), 50);
  assert.equal(cpuPercent(at(0n, 0n), at(3_000_000_000n, 1_000_000_000n), 2), 100, 'clamped');
  assert.equal(cpuPercent(undefined, at(1n, 1n), 2), undefined, 'first sample');
  assert.equal(cpuPercent(at(5n, 0n), at(1n, 1_000_000_000n), 2), undefined, 'counter went down');
  assert.equal(cpuPercent(at(0n, 0n, 1), at(1n, 1_000_000_000n, 2), 2), undefined, 'restarted with a new id');
  assert.equal(cpuPercent(at(0n, 5n), at(1n, 5n), 2), undefined, 'no elapsed time');
  assert.equal(cpuPercent(at(0n, 0n), at(1n, 1n), 0), undefined, 'no vCPUs');
});

test('devices come from the domain XML by target name; CD-ROMs are left out', () => {
  const xml = `<domain><devices>
    <disk type='file' device='disk'><source file='/a&amp;b'/><target dev='vda' bus='virtio'/></disk>
    <disk type="file" device="cdrom"><target dev="sda" bus="sata"/></disk>
    <disk type='block'><target dev='sdb'/></disk>
    <interface type='ethernet'><mac address='52:54:00:00:00:01'/><target dev='tap&amp;1' managed='yes'/></interface>
    <interface type='user'><mac address='52:54:00:00:00:02'/></interface>
  </devices></domain>`;
  assert.deepEqual(parseDomainDevices(xml), { disks: ['vda', 'sdb'], interfaces: ['tap&1'] });
});

describe('a round with full bulk stats (qemu)', () => {
  test('one bulk call, no per-domain calls, the contract values', async () => {
    const { libvirt, round } = setup();
    libvirt.vms = [fakeVm('one-71', 7), fakeVm('off', -1)];
    await round();
    libvirt.vms[0]!.cpuTimeNs += 500_000_000n;
    libvirt.calls = [];
    const samples = await round();
    assert.deepEqual(libvirt.calls, ['bulk']);
    const vm = samples.get('one-71')!;
    assert.equal(vm.domainId, 7);
    assert.equal(vm.state, 'running');
    assert.equal(vm.vcpus, 2);
    assert.ok(vm.cpuUsagePercent! > 0 && vm.cpuUsagePercent! <= 100);
    assert.equal(vm.memoryUsagePercent, 25, '(available − usable) / available');
    assert.equal(vm.memoryTotalBytes, 1000n * 1024n);
    assert.equal(vm.memoryUsedBytes, 250n * 1024n);
    assert.equal(vm.diskReadBytes, 100n);
    assert.equal(vm.networkTxBytes, 20n);
    assert.deepEqual(vm.disks.map((d) => d.device), ['vda']);
    const off = samples.get('off')!;
    assert.equal(off.state, 'shutoff');
    assert.equal(off.domainId, -1);
    assert.equal(off.cpuUsagePercent, undefined);
    assert.equal(off.diskReadBytes, undefined);
  });

  test('memory percent falls back to unused, and is omitted without balloon stats', async () => {
    const { libvirt, round } = setup();
    const noUsable = fakeVm('no-usable', 1);
    noUsable.memory.delete(MemoryStatTag.USABLE);
    const noStats = fakeVm('no-stats', 2, { memory: new Map([[MemoryStatTag.ACTUAL_BALLOON, 4096n]]) });
    libvirt.vms = [noUsable, noStats];
    const samples = await round();
    assert.equal(samples.get('no-usable')!.memoryUsagePercent, 50);
    assert.equal(samples.get('no-stats')!.memoryUsagePercent, undefined);
    assert.equal(samples.get('no-stats')!.memoryUsedBytes, undefined);
    assert.equal(samples.get('no-stats')!.memoryTotalBytes, 4096n * 1024n, 'the balloon size');
  });
});

describe('VMs that come, go and restart', () => {
  test('a restart (new id, counter reset) gives no CPU percent for that step, then resumes', async () => {
    const { libvirt, round } = setup();
    libvirt.vms = [fakeVm('a', 1, { cpuTimeNs: 50_000_000_000n })];
    await round();
    libvirt.vms[0]!.cpuTimeNs += 100_000_000n;
    assert.notEqual((await round()).get('a')!.cpuUsagePercent, undefined);
    libvirt.vms = [fakeVm('a', 2, { cpuTimeNs: 1_000_000n })];
    assert.equal((await round()).get('a')!.cpuUsagePercent, undefined);
    libvirt.vms[0]!.cpuTimeNs += 100_000_000n;
    assert.notEqual((await round()).get('a')!.cpuUsagePercent, undefined);
  });

  test('a new VM is sampled in the round it appears; a gone VM is forgotten', async () => {
    const { libvirt, round, tracker } = setup();
    libvirt.vms = [fakeVm('a', 1)];
    await round();
    libvirt.vms = [fakeVm('b', 2)];
    const samples = await round();
    assert.deepEqual([...samples.keys()], ['b']);
    assert.equal(tracker.tracked, 1);
  });
});

const sourceOf = (collector: Collector, group: string) => collector.groupSources().find((g) => g.group === group)!;

describe('a driver whose bulk stats hold every group (qemu)', () => {
  test('the probe finds every group in bulk: no per-domain call, ever', async () => {
    const { libvirt, round, clock } = setup();
    libvirt.vms = [fakeVm('q', 1)];
    await round();
    assert.deepEqual(libvirt.calls, ['bulk']);
    assert.deepEqual(clock.collector.groupSources().map((g) => [g.group, g.source, g.probedAtMs]), [
      ['cpu', 'bulk', clock.now()],
      ['vcpu', 'bulk', clock.now()],
      ['balloon', 'bulk', clock.now()],
      ['block', 'bulk', clock.now()],
      ['interface', 'bulk', clock.now()],
    ]);
    await round();
    assert.deepEqual(libvirt.calls, ['bulk', 'bulk']);
    assert.deepEqual(libvirt.bulkAsked, [ALL_STATS_GROUPS, ALL_STATS_GROUPS]);
  });
});

describe('a probe while NOWAIT left a group out of every record (guests booting)', () => {
  test('the group is read per domain until a bulk record holds it, then from the bulk call', async () => {
    const { libvirt, round, clock } = setup(10_000);
    libvirt.bulkGroups = 'state'; // as if every VM's job lock were held
    libvirt.vms = [fakeVm('q', 1)];
    await round();
    assert.equal(sourceOf(clock.collector, 'block').source, 'domain');
    libvirt.bulkGroups = 'full';
    libvirt.calls = [];
    const q = (await round()).get('q')!;
    assert.deepEqual(libvirt.calls, ['bulk'], 'no per-domain call');
    assert.deepEqual(clock.collector.groupSources().map((g) => [g.source, g.probedAtMs]), Array(5).fill(['bulk', clock.now()]));
    assert.equal(q.diskReadBytes, 100n, 'this round has the bulk values');
  });
});

describe('a driver whose bulk stats hold only state (the test driver)', () => {
  test('missing groups come from per-domain calls; the XML is read once', async () => {
    const { libvirt, round, clock } = setup();
    libvirt.bulkGroups = 'state';
    libvirt.vms = [fakeVm('t', 1, { cpuTimeNs: 1_000_000_000n }), fakeVm('off', -1)];
    await round();
    assert.deepEqual(libvirt.calls, ['bulk', 'info:t', 'memory:t', 'xml:t', 'block(vda):t', 'interface(vnet0):t']);
    assert.deepEqual(clock.collector.groupSources().map((g) => g.source), ['domain', 'domain', 'domain', 'domain', 'domain']);
    libvirt.calls = [];
    libvirt.vms[0]!.cpuTimeNs += 1_000_000n;
    const samples = await round();
    assert.deepEqual(libvirt.calls, ['bulk', 'info:t', 'memory:t', 'block(vda):t', 'interface(vnet0):t']);
    assert.deepEqual(libvirt.bulkAsked, [ALL_STATS_GROUPS, ALL_STATS_GROUPS], 'the bulk call still asks for the per-domain groups (one call either way)');
    const t = samples.get('t')!;
    assert.equal(t.vcpus, 2);
    assert.notEqual(t.cpuUsagePercent, undefined);
    assert.equal(t.memoryUsagePercent, 25);
    assert.equal(t.diskWriteBytes, 200n);
    assert.equal(t.interfaces[0]!.rxPackets, 1n);
  });

  test('each VM is read once every fallback interval, the VMs spread over the rounds; rounds between carry no old value', async () => {
    const { libvirt, round } = setup(10_000);
    libvirt.bulkGroups = 'state';
    libvirt.vms = Array.from({ length: 100 }, (_, i) => fakeVm(`t${i}`, i + 1, { cpuTimeNs: 1_000_000_000n }));
    await round(); // the probe: a few VMs read
    const probed = libvirt.calls.filter((c) => c.startsWith('info:')).map((c) => c.slice('info:'.length));
    assert.deepEqual(probed.slice(0, 4), ['t0', 't1', 't2', 't3'], 'the probe reads 4 VMs, then the VMs due this round are read');
    const readRounds = new Map<string, number[]>(probed.map((name) => [name, [-1]]));
    const perRound: number[] = [];
    for (let r = 0; r < 30; r++) {
      libvirt.calls = [];
      for (const vm of libvirt.vms) {
        vm.cpuTimeNs += 100_000_000n;
      }
      const samples = await round();
      const read = libvirt.calls.filter((c) => c.startsWith('info:')).map((c) => c.slice('info:'.length));
      perRound.push(read.length);
      for (const name of read) {
        readRounds.set(name, [...(readRounds.get(name) ?? []), r]);
      }
      for (const [name, sample] of samples) {
        const wasRead = read.includes(name);
        assert.equal(sample.state, 'running');
        assert.equal(sample.vcpus !== undefined, wasRead, `${name} round ${r}: vcpus only when read`);
        assert.equal(sample.diskReadBytes !== undefined, wasRead, `${name} round ${r}: disk totals only when read`);
        assert.equal(sample.disks.length > 0, wasRead, `${name} round ${r}: vm_disk only when read`);
        assert.equal(sample.cpuUsagePercent !== undefined, wasRead && readRounds.get(name)!.length > 1, `${name} round ${r}: CPU % from two reads`);
      }
    }
    for (const vm of libvirt.vms) {
      const rounds = readRounds.get(vm.ref.name) ?? [];
      const gaps = rounds.slice(1).map((r, i) => r - rounds[i]!);
      // A VM read by the probe is read again at its own offset, then every 10 rounds.
      assert.ok(rounds.length >= 2 && gaps.slice(rounds[0] === -1 ? 1 : 0).every((g) => g === 10), `${vm.ref.name} read in rounds ${rounds}`);
    }
    assert.ok(Math.max(...perRound) <= 25, `VMs read per round: ${perRound}`);
    assert.equal(perRound.slice(10, 20).reduce((a, b) => a + b, 0), 100, 'every VM once in 10 rounds');
  });
});

describe('a group the driver gives neither way (memory stats of node XML domains of the test driver)', () => {
  test('is never asked between probes; probed again after 5 minutes and on a new connection; its source is known', async () => {
    const { libvirt, round, clock } = setup();
    libvirt.bulkGroups = 'state';
    libvirt.vms = [fakeVm('t', 1, { cpuTimeNs: 1_000_000_000n })];
    libvirt.vms[0]!.memory = new Map();
    await round();
    assert.ok(libvirt.calls.includes('memory:t'), 'probed in the first round');
    const probedAt = clock.now();
    assert.deepEqual(sourceOf(clock.collector, 'balloon'), { group: 'balloon', source: 'none', probedAtMs: probedAt });
    assert.equal(sourceOf(clock.collector, 'cpu').source, 'domain');
    libvirt.calls = [];
    const t = (await round()).get('t')!;
    assert.deepEqual(libvirt.calls, ['bulk', 'info:t', 'block(vda):t', 'interface(vnet0):t'], 'no memory call');
    assert.equal(libvirt.bulkAsked.at(-1), ALL_STATS_GROUPS & ~DomainStatsGroup.BALLOON, 'nor balloon in the bulk call');
    assert.equal(t.memoryUsagePercent, undefined);
    assert.equal(t.memoryTotalBytes, 1024n * 1024n, 'the balloon size of the domain info');
    clock.advance(REPROBE_MS);
    libvirt.calls = [];
    await round();
    assert.ok(libvirt.calls.includes('memory:t'), 're-probed after 5 minutes');
    assert.equal(sourceOf(clock.collector, 'balloon').probedAtMs, clock.now());
    libvirt.calls = [];
    await round();
    assert.ok(!libvirt.calls.includes('memory:t'));

    const reconnected = new FakeLibvirt();
    reconnected.bulkGroups = 'state';
    reconnected.vms = libvirt.vms;
    await round(reconnected);
    assert.ok(reconnected.calls.includes('memory:t'), 'probed on a new connection');
    assert.equal(sourceOf(clock.collector, 'balloon').probedAtMs, clock.now());
  });

  test('without a running VM nothing is known; the first running VM is probed', async () => {
    const { libvirt, round, clock } = setup();
    libvirt.bulkGroups = 'state';
    libvirt.vms = [fakeVm('off', -1)];
    await round();
    await round();
    assert.deepEqual(libvirt.calls, ['bulk', 'bulk']);
    assert.deepEqual(clock.collector.groupSources().map((g) => [g.source, g.probedAtMs]), Array(5).fill(['unknown', 0]));
    libvirt.vms.push(fakeVm('t', 1));
    await round();
    assert.ok(libvirt.calls.includes('info:t'));
    assert.equal(sourceOf(clock.collector, 'cpu').source, 'domain');
  });
});

describe('a stuck VM does not stall the others', () => {
  test('a bulk call that times out is retried domain by domain', async () => {
    const { libvirt, round, errors } = setup();
    libvirt.vms = [fakeVm('ok', 1), fakeVm('stuck', 2, { stuck: new Promise(() => {}) }), fakeVm('ok2', 3)];
    libvirt.bulkError = new CallTimeoutError('CONNECT_GET_ALL_DOMAIN_STATS', 50);
    const samples = await round();
    assert.deepEqual([...samples.keys()].sort(), ['ok', 'ok2']);
    assert.deepEqual(errors, ['timeout', 'timeout']);
  });

  test('a VM whose per-domain call timed out is left out of those calls for a while', async () => {
    const { libvirt, round, errors } = setup();
    libvirt.bulkGroups = 'state';
    libvirt.vms = [fakeVm('stuck', 2, { stuck: new Promise(() => {}) }), fakeVm('ok', 1)];
    const first = await round();
    assert.equal(first.get('ok')!.memoryUsagePercent, 25);
    assert.equal(first.get('stuck')!.state, 'running', 'the stuck VM still has its bulk values');
    assert.deepEqual(errors, ['timeout']);
    libvirt.calls = [];
    await round();
    assert.ok(!libvirt.calls.some((c) => c.endsWith(':stuck')), `no calls for the stuck VM: ${libvirt.calls}`);
  });

  test('a VM that vanishes between the bulk call and its own calls is counted, not fatal', async () => {
    const { libvirt, round, errors } = setup();
    libvirt.bulkGroups = 'state';
    libvirt.vms = [fakeVm('ok', 1)];
    const original = libvirt.domainGetInfo.bind(libvirt);
    libvirt.domainGetInfo = async (d) => {
      libvirt.vms = [];
      return original(d);
    };
    const samples = await round();
    assert.equal(samples.get('ok')!.state, 'running');
    assert.deepEqual(errors, ['vanished']);
  });
});

test('a disk whose I/O counters are missing this round gives no disk totals, not 0', async () => {
  const domain = { name: 'd', uuid: 'u', id: 1 };
  const params = new Map<string, TypedParamValue>([['state.state', 1], ['block.count', 1], ['block.0.name', 'vda']]);
  const reading = readBulkRecord({ domain, params }, 0n);
  assert.equal(reading.disks, undefined);
});
