// The exporter against a real QEMU guest under TCG (scripts/guest/, load
// "cpu:25,disk,net": the CPU busy 25 % of each second, 4 MiB written and read
// on its disk each second, and pings to a peer inside the test's network
// namespace; a busy loop would hold a host core for the whole test), on a private
// libvirtd, writing to InfluxDB 2.7. The values stored must agree with
// libvirt's own counters (virsh domstats over the same window), and the VM
// must be picked up when it starts, show shutoff without a spike when it is
// destroyed, give no CPU % across its restart, and vanish when undefined.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { eventually, ExporterProcess } from './support/exporter-process.js';
import { influxQL, startInflux } from './support/influx-server.js';
import { startPrivateLibvirtd } from './support/libvirt-daemon.js';
import { runScript, unavailable } from './support/scripts.js';

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type SeedVm = Record<string, number | string | null>;

describe('the exporter on a real QEMU guest', { timeout: 15 * 60_000 }, () => {
  test('stored values move the way the guest works, and its lifecycle leaves no spike or stale VM', async (t) => {
    const netns = `vmtexp${process.pid}`;
    const libvirtd = await startPrivateLibvirtd(t, netns);
    if (!libvirtd) {
      return;
    }
    const influx = await startInflux(t, '2.7');
    if (!influx) {
      return;
    }
    const env = { ...process.env, LIBVIRT_URI: libvirtd.uri, LIBVIRT_NETNS: libvirtd.netns };
    const virsh = async (...args: string[]): Promise<string> =>
      (await execFileAsync('virsh', ['-q', '-c', libvirtd.uri, ...args], { timeout: 60_000 })).stdout;

    const exporter = ExporterProcess.start(t, [
      '--libvirt-socket', libvirtd.socketRo,
      '--libvirt-uri', 'qemu:///system',
      '--libvirt-timeout', '30s',
      '--influx-url', influx.url,
      '--influx-token', influx.token,
      '--influx-org', influx.org,
      '--influx-bucket', influx.bucket,
      '--listen', '127.0.0.1:0',
    ]);
    const base = await exporter.httpBase();
    const seedVm = async (name: string): Promise<SeedVm | undefined> => {
      const seed = (await (await fetch(`${base}/api/telemetry/vm-telemetry`)).json()) as { vms: SeedVm[] };
      return seed.vms.find((vm) => vm['name'] === name);
    };

    const name = `vmtexp${process.pid}`;
    t.after(() => runScript('guest/stop.sh', [name], { env, timeoutMs: 120_000 }));
    let guest: Record<string, string>;
    try {
      guest = await runScript('guest/start.sh', [name, 'cpu:25,disk,net'], { env, timeoutMs: 300_000 });
    } catch (error) {
      unavailable(t, 'a QEMU test guest', (error as Error).message);
      return;
    }
    // Started after the exporter: picked up without a restart.
    await eventually('the new guest in the exporter', () => seedVm(name), 10_000);

    // A window of the guest's work, measured by libvirt itself at both ends.
    const domstats = async () => {
      const text = await virsh('domstats', '--raw', name);
      const value = (key: string) => Number(new RegExp(`^\\s*${key.replace(/\./g, '\\.')}=(\\d+)`, 'm').exec(text)?.[1]);
      return { at: Date.now(), cpuNs: value('cpu.time'), wr: value('block.0.wr.bytes'), rd: value('block.0.rd.bytes'), tx: value('net.0.tx.bytes') };
    };
    // A sample's time is its round's start; its values are read later in the round
    // (seconds later on a loaded host). So the samples of the window are those from
    // after `first` returned until windowEnd, and `last` is read once a round from
    // after windowEnd is stored: every sample of the window was read before it.
    const stored = async (fields: string, from: number, to: number) =>
      (await influxQL(influx, `SELECT ${fields} FROM "vm_telemetry" WHERE "vm" = '${name}' AND time >= ${from}ms AND time <= ${to}ms`))[0];
    await sleep(3000);
    const first = await domstats();
    // 10 samples, however long a loaded host takes to sample them.
    await eventually('10 samples in the window', async () => ((await stored('"state"', first.at, Date.now()))?.values.length ?? 0) >= 10 ? true : undefined, 120_000);
    const windowEnd = Date.now();
    await eventually('a sample after the window', async () => ((await stored('"state"', windowEnd + 1, Date.now() + 60_000)) ? true : undefined), 60_000);
    const last = await domstats();

    const window = await stored('"cpu_usage_percent", "memory_usage_percent", "disk_write_bytes", "disk_read_bytes", "network_tx_bytes", "network_rx_bytes", "vcpus"', first.at, windowEnd);
    const rows = window!.values as number[][];
    assert.ok(rows.length >= 10, `${rows.length} samples in the window`);
    const column = (i: number) => rows.map((r) => r[i]!);

    // Each CPU % is over the step from the sample before: weighted by the steps, the
    // mean is the CPU time over the samples' span (rounds come unevenly under load).
    const times = column(0);
    const cpu = column(1);
    let cpuTimesMs = 0;
    for (let k = 1; k < rows.length; k++) {
      cpuTimesMs += cpu[k]! * (times[k]! - times[k - 1]!);
    }
    const meanCpu = cpuTimesMs / (times.at(-1)! - times[0]!);
    const libvirtCpu = ((last.cpuNs - first.cpuNs) / ((last.at - first.at) * 1e6)) * 100;
    // How busy the CPU gets depends on what else the host runs: the load must run, and
    // the exporter must see it.
    assert.ok(libvirtCpu > 0 && meanCpu > 0, `the CPU load runs (libvirt says ${libvirtCpu.toFixed(1)} %, the exporter ${meanCpu.toFixed(1)} %)`);
    assert.ok(Math.abs(meanCpu - libvirtCpu) < 15, `mean CPU ${meanCpu.toFixed(1)} % vs libvirt's ${libvirtCpu.toFixed(1)} % over the window`);
    assert.ok(cpu.every((v) => v >= 0 && v <= 100));
    assert.deepEqual([...new Set(column(7))], [1], 'one vCPU');

    // A round where NOWAIT skipped the balloon group (the VM's job lock was held)
    // has no memory value rather than a wrong one.
    const memory = column(2).filter((v) => v !== null);
    assert.ok(memory.length >= rows.length * 0.8, `memory % from balloon stats in most samples: ${column(2)}`);
    assert.ok(memory.every((v) => v > 0 && v < 100), `memory % within 0..100: ${memory}`);

    for (const [i, what, from, to] of [
      [3, 'disk writes', first.wr, last.wr],
      [4, 'disk reads', first.rd, last.rd],
      [5, 'network tx', first.tx, last.tx],
    ] as const) {
      const series = column(i);
      const seen = `exporter ${series[0]} → ${series.at(-1)}, libvirt ${from} → ${to}`;
      assert.ok(to > from, `the guest's ${what} grew according to libvirt (${seen})`);
      assert.ok(series.every((v, k) => k === 0 || v >= series[k - 1]!), `${what} only grow (${seen})`);
      assert.ok(series[0]! >= from && series.at(-1)! <= to, `${what} lie within libvirt's own readings at the window's ends (${seen})`);
      // The samples start and end a round or two inside libvirt's window.
      assert.ok(series.at(-1)! - series[0]! >= (to - from) / 2, `${what} grew with libvirt's (${seen})`);
    }
    assert.ok(column(6).at(-1)! - column(6)[0]! > 0, 'network rx grew');

    const disks = await influxQL(influx, `SELECT LAST("write_bytes") FROM "vm_disk" WHERE "vm" = '${name}' GROUP BY "device"`);
    assert.deepEqual(disks.map((s) => s.tags!['device']), ['vda']);
    const nics = await influxQL(influx, `SELECT LAST("tx_packets") FROM "vm_interface" WHERE "vm" = '${name}' GROUP BY "interface"`);
    assert.deepEqual(nics.map((s) => s.tags!['interface']), [guest['GUEST_TAP']]);
    assert.ok((nics[0]!.values[0]![1] as number) > 0);

    // Destroyed: shutoff, id -1, no CPU value at all (so no spike).
    await virsh('destroy', name);
    const destroyedAt = Date.now();
    const off = await eventually('the guest shown as shut off', async () => {
      const vm = await seedVm(name);
      return vm?.['id'] === -1 ? vm : undefined;
    }, 10_000);
    assert.equal(off['cpu_usage_percent'], null);

    // Started again: a new domain id and reset counters give no CPU % for the first step.
    await virsh('start', name);
    await eventually('the restarted guest', async () => {
      const vm = await seedVm(name);
      return typeof vm?.['id'] === 'number' && vm['id'] > 0 && vm['cpu_usage_percent'] !== null ? vm : undefined;
    }, 30_000);
    const [around] = await influxQL(
      influx,
      `SELECT "domain_id", "cpu_usage_percent", "state" FROM "vm_telemetry" WHERE "vm" = '${name}' AND time >= ${destroyedAt - 2000}ms`
    );
    const points = around!.values as Array<[number, number, number | null, string]>;
    // The new run starts at the first running sample after a shut-off one (not at a wall
    // time: under load `virsh start` can return seconds after the guest's first sample).
    const firstOff = points.findIndex(([, id]) => id === -1);
    assert.ok(firstOff >= 0, 'a shut-off sample between the two runs');
    const firstRun = points.findIndex(([, id], index) => index > firstOff && id > 0);
    assert.ok(firstRun > 0, 'points from after the restart');
    assert.equal(points[firstRun]![2], null, 'no CPU % on the first sample of the new run');
    for (const [, id, value, state] of points) {
      if (id === -1) {
        assert.deepEqual([value, state], [null, 'shutoff']);
      } else if (value !== null) {
        assert.ok(value >= 0 && value <= 100, `cpu ${value}`);
      }
    }

    // Undefined: gone from the exporter, no stale VM.
    await runScript('guest/stop.sh', [name], { env, timeoutMs: 120_000 });
    await eventually('the guest to vanish', async () => ((await seedVm(name)) === undefined ? true : undefined), 10_000);

    exporter.signal('SIGTERM');
    assert.equal(await exporter.exited, 0);
    assert.equal(exporter.count('writing to InfluxDB failed; keeping samples and retrying'), 0);
  });
});
