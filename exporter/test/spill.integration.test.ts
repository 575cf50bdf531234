// The spill folder under faults, with the exporter as an operator runs it:
// InfluxDB unreachable, a small memory buffer, the spill folder on a full
// 64 KiB tmpfs: the exporter keeps collecting, drops the oldest points with
// a counter and a log line, and writes what it kept once InfluxDB is back.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { eventually, ExporterProcess, metricValue } from './support/exporter-process.js';
import { influxQL, startInflux } from './support/influx-server.js';
import { startPrivateLibvirtd } from './support/libvirt-daemon.js';
import { unavailable } from './support/scripts.js';

/** A tmpfs of `size` mounted for this test (root only), unmounted when it ends. */
function smallTmpfs(t: TestContext, size: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'vmt-spill-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return unavailable(t, `a ${size} tmpfs`, (error as Error).message);
  }
  t.after(() => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

describe('spill folder faults', { timeout: 10 * 60_000 }, () => {
  test('a full 64 KiB tmpfs: the exporter keeps collecting, drops the oldest with a counter and a log line', async (t) => {
    const libvirtd = await startPrivateLibvirtd(t);
    if (!libvirtd) {
      return;
    }
    const spill = smallTmpfs(t, '64k');
    if (!spill) {
      return;
    }
    // Needed only by the second run: it starts while the first fills the disk.
    const influxStarted = startInflux(t, '1.8');
    influxStarted.catch(() => {}); // awaited below
    const args = [
      '--libvirt-socket', libvirtd.socketRo,
      '--libvirt-uri', 'test:///default',
      '--interval', '100ms',
      '--host', 'hv-spill',
      '--buffer-max-points', '30',
      '--buffer-spill-dir', spill,
      // More than the disk holds: the disk fills before the bound is reached.
      '--buffer-spill-max-bytes', String(1024 * 1024),
      '--listen', '127.0.0.1:0',
    ];
    // At SIGTERM it tries InfluxDB for 1 s, then spills what it holds onto the full disk.
    const exporter = ExporterProcess.start(t, [
      ...args, '--influx-url', 'http://127.0.0.1:9', '--influx-retry-initial', '100ms', '--influx-retry-max', '200ms', '--shutdown-timeout', '1s',
    ]);
    const base = await exporter.httpBase();
    const exitedEarly = exporter.exited.then((code) => {
      throw new Error(`the exporter exited (${code}) while the disk filled:\n${exporter.stderrText.slice(-3000)}`);
    });
    await Promise.race([
      exitedEarly,
      eventually('the disk to fill', async () => ((await metricValue(base, 'vmt_points_dropped_total{reason="disk_full"}')) > 0 ? true : undefined), 120_000),
    ]);
    exitedEarly.catch(() => {});
    const collected = await metricValue(base, 'vmt_samples_collected_total');
    await eventually('collection to go on', async () => ((await metricValue(base, 'vmt_samples_collected_total')) >= collected + 20 ? true : undefined));
    assert.equal(exporter.exitCode, null, `the exporter is running:\n${exporter.stderrText.slice(-2000)}`);
    const dropLog = exporter.logs.find((l) => l.msg === 'spill folder full: dropped the oldest points');
    assert.ok(dropLog, 'a log line for the drop');
    assert.equal(typeof dropLog['dropped'], 'number');

    assert.equal(await metricValue(base, 'vmt_points_dropped_total{reason="spill_error"}'), 0);
    exporter.signal('SIGTERM');
    assert.equal(await exporter.exited, 0);
    const stopped = exporter.logs.find((l) => l.msg === 'stopped')!;

    const influx = await influxStarted;
    if (!influx) {
      return;
    }
    const dropped = Object.values(stopped['dropped'] as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.ok(dropped > 0);
    const kept = (stopped['enqueued'] as number) - dropped - (stopped['rejected'] as number);
    /** Points of the first run stored in InfluxDB. */
    const storedOfFirstRun = async (): Promise<number> => {
      let stored = 0;
      for (const [measurement, field] of [['vm_telemetry', 'state'], ['vm_disk', 'read_bytes'], ['vm_interface', 'rx_bytes']]) {
        const [series] = await influxQL(influx, `SELECT COUNT("${field}") FROM "${measurement}" WHERE "host" = 'hv-spill'`);
        stored += (series?.values[0]![1] as number | undefined) ?? 0;
      }
      return stored;
    };
    // Next start with InfluxDB reachable (another host tag): what the disk kept is written.
    // Waited for in InfluxDB, not as an empty buffer: with rounds every 100 ms a loaded
    // host may never show the writer idle.
    const next = ExporterProcess.start(t, [...args.map((a) => (a === 'hv-spill' ? 'hv-next' : a)), '--influx-url', influx.url, '--buffer-max-points', '100000']);
    await next.httpBase();
    // A timeout is reported by the count below, with its figures.
    await eventually('the spill folder written', async () => ((await storedOfFirstRun()) >= kept ? true : undefined)).catch(() => {});
    next.signal('SIGTERM');
    assert.equal(await next.exited, 0);

    // Every point of the first run is stored, or was counted and logged as dropped.
    const stored = await storedOfFirstRun();
    assert.equal(stored + dropped + (stopped['rejected'] as number), stopped['enqueued'], `stored ${stored} + dropped ${dropped} = collected ${stopped['enqueued']}`);
    t.diagnostic(`full 64 KiB tmpfs: points collected ${stopped['enqueued']}, stored after the restart ${stored}, dropped (counted and logged) ${dropped} ${JSON.stringify(stopped['dropped'])}, lost otherwise 0`);
  });
});
