import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Collector, type LibvirtErrorKind } from '../../src/collector/collector.js';
import { parseDomainDevices } from '../../src/collector/domain-devices.js';
import { cpuPercent, VmTracker } from '../../src/collector/vm-tracker.js';
import { readBulkRecord } from '../../src/collector/bulk-stats.js';
import { CallTimeoutError, MemoryStatTag, type TypedParamValue } from '../../src/libvirt/index.js';
import { silentLogger } from '../../src/log.js';
import type { VmSample } from '../../src/model/sample.js';
import { FakeLibvirt, fakeVm } from '../support/fake-libvirt.js';

function setup() {
  const errors: LibvirtErrorKind[] = [];
  let clock = 0;
  const collector = new Collector({
    concurrency: 4,
    penaltyMs: 30_000,
    devicesRefreshMs: 60_000,
    reprobeMs: 600_000,
    log: silentLogger,
    onError: (kind) => errors.push(kind),
    now: () => clock,
  });
  const tracker = new VmTracker();
  const libvirt = new FakeLibvirt();
  const round = async (): Promise<Map<string, VmSample>> => {
    clock += 1000;
    const result = await collector.collect(libvirt);
    return new Map(tracker.samples(result.readings, result.listed, clock, 'hv').map((s) => [s.vm, s]));
  };
  const control = { collector, advance: (ms: number) => (clock += ms) };
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

describe('a driver whose bulk stats hold only state (the test driver)', () => {
  test('missing groups come from per-domain calls; the XML is read once', async () => {
    const { libvirt, round } = setup();
    libvirt.bulkGroups = 'state';
    libvirt.vms = [fakeVm('t', 1, { cpuTimeNs: 1_000_000_000n }), fakeVm('off', -1)];
    await round();
    assert.deepEqual(libvirt.calls, ['bulk', 'info:t', 'memory:t', 'xml:t', 'block(vda):t', 'interface(vnet0):t']);
    libvirt.calls = [];
    libvirt.vms[0]!.cpuTimeNs += 1_000_000n;
    const samples = await round();
    assert.deepEqual(libvirt.calls, ['bulk', 'info:t', 'memory:t', 'block(vda):t', 'interface(vnet0):t']);
    const t = samples.get('t')!;
    assert.equal(t.vcpus, 2);
    assert.notEqual(t.cpuUsagePercent, undefined);
    assert.equal(t.memoryUsagePercent, 25);
    assert.equal(t.diskWriteBytes, 200n);
    assert.equal(t.interfaces[0]!.rxPackets, 1n);
  });
});

describe('a group whose per-domain call gives nothing (node XML domains of the test driver)', () => {
  test('is not asked every round, only again after the re-probe time, and is counted', async () => {
    const { libvirt, round, clock } = setup();
    libvirt.bulkGroups = 'state';
    libvirt.vms = [fakeVm('t', 1, { cpuTimeNs: 1_000_000_000n })];
    libvirt.vms[0]!.memory = new Map();
    await round();
    assert.ok(libvirt.calls.includes('memory:t'), 'probed in the first round');
    assert.equal(clock.collector.skippedGroups().get('balloon'), 1);
    libvirt.calls = [];
    const t = (await round()).get('t')!;
    assert.deepEqual(libvirt.calls, ['bulk', 'info:t', 'block(vda):t', 'interface(vnet0):t'], 'no memory call');
    assert.equal(t.memoryUsagePercent, undefined);
    clock.advance(600_000);
    libvirt.calls = [];
    await round();
    assert.ok(libvirt.calls.includes('memory:t'), 're-probed after 10 minutes');
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
