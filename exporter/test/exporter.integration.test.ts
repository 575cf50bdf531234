// The exporter CLI against a real libvirtd (test driver, whose bulk stats
// hold only `state`, so every other value comes through the per-domain
// fallback) and a real InfluxDB: values land as the contract says, and
// the exporter reconnects by itself after libvirtd is killed and restarted.

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { eventually, ExporterProcess, metricValue } from './support/exporter-process.js';
import { influxQL } from './support/influx-server.js';
import { startPrivateLibvirtd } from './support/libvirt-daemon.js';
import { startTestDriverStack } from './support/test-driver-stack.js';

describe('the exporter on libvirt test driver', { timeout: 10 * 60_000 }, () => {
  test('samples into InfluxDB through the fallback path and reconnects after libvirtd restarts', async (t) => {
    const stack = await startTestDriverStack(t, '1.8');
    if (!stack) {
      return;
    }
    const { libvirtd, influx } = stack;
    const exporter = ExporterProcess.start(t, [
      ...stack.exporterArgs,
      '--influx-api', 'v2',
      '--influx-retry-initial', '200ms',
      // Every round reads the fallback groups (default: every 10 s), so each point below has them.
      '--libvirt-fallback-interval', '1s',
      '--host', 'hv-test',
      '--listen', '127.0.0.1:0',
    ]);
    const base = await exporter.httpBase();
    await eventually('3 rounds', async () => ((await metricValue(base, 'vmt_samples_collected_total')) >= 3 ? true : undefined));

    const seed = (await (await fetch(`${base}/api/telemetry/vm-telemetry`)).json()) as { count: number; vms: Array<Record<string, unknown>> };
    assert.equal(seed.count, 1);
    const vm = seed.vms[0]!;
    assert.equal(vm['name'], 'test');
    assert.equal(vm['id'], 1);
    assert.equal(typeof vm['cpu_usage_percent'], 'number');
    assert.equal(vm['memory_usage_percent'], 50, 'test driver: available 2 GiB, usable 1 GiB');
    assert.equal(typeof vm['disk_read_rate'], 'number');
    assert.equal(typeof vm['network_tx_bytes'], 'number');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    for (const group of ['cpu', 'vcpu', 'balloon', 'block', 'interface']) {
      assert.equal(await metricValue(base, `vmt_stats_group_source{group="${group}",source="domain"}`), 1, `${group}: per-domain calls`);
    }
    assert.equal(await metricValue(base, 'vmt_stats_fallback_interval_seconds'), 1);
    const probedAt = await metricValue(base, 'vmt_stats_group_probed_timestamp_seconds{group="cpu"}');
    assert.ok(probedAt > Date.now() / 1000 - 60, `probed at ${probedAt}`);

    // libvirtd killed without a goodbye, down for 3 s, started again.
    await libvirtd.kill();
    const outageStart = Date.now();
    await eventually('the exporter to notice', async () => (exporter.count('libvirt connection lost; reconnecting') ? true : undefined));
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await fetch(`${base}/healthz`)).status, 503, 'unhealthy without libvirt');
    assert.equal(await metricValue(base, 'vmt_libvirt_connected'), 0);
    // The exporter may reconnect before restart() returns (the script still reports):
    // a probe after this moment is on the new connection.
    const restarting = Date.now();
    await libvirtd.restart();
    const outageEnd = Date.now();
    // Counted from here, not from before the outage: rounds may complete before restart()
    // returns, and 3 samples from after outageEnd are asserted below (4 rounds: the first
    // may have started before it).
    const restarted = await metricValue(base, 'vmt_samples_collected_total');
    await eventually('4 more rounds', async () => ((await metricValue(base, 'vmt_samples_collected_total')) >= restarted + 4 ? true : undefined));
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.ok((await metricValue(base, 'vmt_libvirt_errors_total{kind="connect"}')) >= 2, 'failed rounds counted');
    assert.ok((await metricValue(base, 'vmt_stats_group_probed_timestamp_seconds{group="cpu"}')) * 1000 >= restarting - 1000, 'probed again on the new connection');

    exporter.signal('SIGTERM');
    assert.equal(await exporter.exited, 0);
    const written = (await exporter.waitForLog((l) => l.msg === 'stopped'))['written'] as number;
    // One field every point of its measurement has. A round cut by the kill may
    // hold a vm_telemetry point without its disk and interface points.
    let stored = 0;
    for (const [field, measurement] of [['state', 'vm_telemetry'], ['read_bytes', 'vm_disk'], ['rx_bytes', 'vm_interface'], ['source', 'vm_event']]) {
      const [series] = await influxQL(influx, `SELECT COUNT("${field}") FROM "${measurement}"`);
      stored += series ? (series.values[0]![1] as number) : 0;
    }
    assert.equal(stored, written, 'SIGTERM flushed: every point written is stored');
    assert.equal(exporter.count('libvirt connection lost; reconnecting'), 1, 'one log line when the outage starts');
    assert.ok(exporter.count('cannot connect to libvirt') <= 1, 'not one line per attempt');
    assert.equal(exporter.count('connected to libvirt again'), 1, 'one log line when it ends');

    const points = await influxQL(influx, `SELECT "cpu_usage_percent", "memory_usage_percent", "vcpus", "domain_id", "state" FROM "vm_telemetry" WHERE "vm" = 'test' AND "host" = 'hv-test'`);
    const rows = points[0]!.values as Array<[number, number | null, number, number, number, string]>;
    assert.ok(rows.length >= 6, `${rows.length} points`);
    for (const [, , memory, vcpus, id, state] of rows) {
      assert.deepEqual([memory, vcpus, id, state], [50, 2, 1, 'running']);
    }
    const after = rows.filter(([time]) => time > outageEnd - 1000 && time >= outageStart);
    assert.ok(after.length >= 3, 'samples after the restart');
    assert.equal(typeof after[0]![1], 'number', 'the first sample after the reconnect has CPU %: the previous sample was kept');
    for (const [, cpu] of rows.slice(1)) {
      assert.ok(cpu !== null && cpu >= 0 && cpu <= 100, `cpu ${cpu}`);
    }

    const disks = await influxQL(influx, `SELECT LAST("read_bytes") FROM "vm_disk" GROUP BY "device"`);
    assert.deepEqual(disks.map((s) => s.tags!['device']), ['vda']);
    const nics = await influxQL(influx, `SELECT LAST("rx_bytes") FROM "vm_interface" GROUP BY "interface"`);
    assert.deepEqual(nics.map((s) => s.tags!['interface']), ['testnet0']);
  });

  test('samples taken while InfluxDB is unreachable survive SIGTERM in the spill folder and are written by the next run', async (t) => {
    const stack = await startTestDriverStack(t, '1.6');
    if (!stack) {
      return;
    }
    const { libvirtd, influx } = stack;
    const spillDir = mkdtempSync(join(tmpdir(), 'vmt-spill-'));
    t.after(() => rmSync(spillDir, { recursive: true, force: true }));
    const args = (url: string) => [
      '--libvirt-socket', libvirtd.socketRo, '--libvirt-uri', 'test:///default', '--influx-url', url, '--influx-api', 'v1',
      '--buffer-max-points', '6', '--buffer-spill-dir', spillDir, '--shutdown-timeout', '1s', '--listen', '127.0.0.1:0',
    ];
    // Port 9 of 127.0.0.1 (discard): nothing listens there.
    const first = ExporterProcess.start(t, args('http://127.0.0.1:9'));
    const base = await first.httpBase();
    await eventually('5 rounds', async () => ((await metricValue(base, 'vmt_samples_collected_total')) >= 5 ? true : undefined));
    first.signal('SIGTERM');
    assert.equal(await first.exited, 0);
    const kept = await first.waitForLog((l) => l.msg.startsWith('InfluxDB unreachable at exit: points kept'));
    const spilled = kept['points'] as number;
    assert.ok(readdirSync(spillDir).length > 0 && spilled > 0);
    assert.equal(first.count('buffer bound reached: dropped the oldest points'), 0, 'beyond the memory bound points went to disk');

    const second = ExporterProcess.start(t, args(influx.url));
    await second.httpBase();
    await eventually('the spilled points in InfluxDB', async () => {
      const [series] = await influxQL(influx, `SELECT COUNT("state") FROM "vm_telemetry"`);
      return series && (series.values[0]![1] as number) * 3 >= spilled ? true : undefined;
    });
    const [firstRun] = await influxQL(influx, `SELECT COUNT("state") FROM "vm_telemetry" WHERE time <= ${Date.parse(kept['time'] as string)}ms`);
    assert.ok((firstRun!.values[0]![1] as number) >= 5, 'the samples of the first run, taken while InfluxDB was unreachable');
    second.signal('SIGTERM');
    assert.equal(await second.exited, 0);
  });

  test('a missing or forbidden socket gives a clear error', async (t) => {
    const missing = ExporterProcess.start(t, ['--once', '--libvirt-socket', '/nonexistent/libvirt-sock-ro']);
    assert.equal(await missing.exited, 1);
    assert.match(missing.stderrText, /libvirt socket \/nonexistent\/libvirt-sock-ro does not exist: is libvirtd running/);

    const libvirtd = await startPrivateLibvirtd(t);
    if (!libvirtd) {
      return;
    }
    // The read-write socket is 0700 root: an unprivileged user may not open it.
    chmodSync(libvirtd.socket, 0o700);
    const asNobody = ExporterProcess.start(t, ['--once', '--libvirt-socket', libvirtd.socket, '--libvirt-uri', 'test:///default'], {}, 65534);
    assert.equal(await asNobody.exited, 1);
    assert.match(asNobody.stderrText, /permission denied .*use the read-only socket \/run\/libvirt\/libvirt-sock-ro, or run as a member of the libvirt group/);
  });
});
