import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHttpServer } from '../../src/http/server.js';
import { seedTimestamp, telemetryJson } from '../../src/http/telemetry-json.js';
import { ExporterMetrics } from '../../src/metrics.js';
import { LatestSamples } from '../../src/model/latest-samples.js';
import type { VmSample } from '../../src/model/sample.js';

const sample = (timeMs: number, over: Partial<VmSample>): VmSample => ({
  timeMs,
  vm: 'one-71',
  uuid: 'u1',
  host: 'h',
  domainId: 10,
  state: 'running',
  disks: [],
  interfaces: [],
  ...over,
});

test('seed JSON: newest values, rates from the last two samples, nulls where absent', () => {
  const latest = new LatestSamples();
  latest.update([sample(1000, { cpuUsagePercent: 40, diskReadBytes: 0n, networkRxBytes: 5n * 1048576n })]);
  latest.update([
    sample(2000, { cpuUsagePercent: 50, diskReadBytes: 1048576n, networkRxBytes: 1n }),
    sample(2000, { vm: 'new', uuid: 'u2', domainId: -1, state: 'shutoff' }),
  ]);
  const json = telemetryJson(latest.all(), Date.UTC(2025, 11, 4, 10, 30, 45, 123)) as { count: number; timestamp: string; vms: Record<string, unknown>[] };
  assert.equal(json.count, 2);
  assert.equal(json.timestamp, '2025-12-04T10:30:45.123000Z');
  const [newVm, vm] = json.vms;
  assert.equal(vm!['id'], 10);
  assert.equal(vm!['name'], 'one-71');
  assert.equal(vm!['cpu_usage_percent'], 50);
  assert.ok(Math.abs((vm!['cpu_rate'] as number) - 84.2894) < 1e-3, 'the seed example: 40 → 50 in 1 s');
  assert.equal(vm!['disk_read_rate'], 45, '1 MiB/s is 45°');
  assert.equal(vm!['network_rx_rate'], null, 'a counter that went down gives null');
  assert.equal(vm!['memory_usage_percent'], null);
  assert.equal(vm!['memory_rate'], null);
  assert.deepEqual(Object.keys(vm!), [
    'id', 'name', 'cpu_usage_percent', 'cpu_rate', 'memory_usage_percent', 'memory_rate', 'disk_read_bytes', 'disk_read_rate',
    'disk_write_bytes', 'disk_write_rate', 'network_rx_bytes', 'network_rx_rate', 'network_tx_bytes', 'network_tx_rate',
  ]);
  assert.equal(newVm!['name'], 'new');
  assert.equal(newVm!['cpu_rate'], null, 'first sample');
  assert.equal(seedTimestamp(0), '1970-01-01T00:00:00.000000Z');
});

test('the HTTP port answers /healthz, /metrics and the seed JSON', async (t) => {
  const metrics = new ExporterMetrics();
  metrics.recordRound(0.25, 3, Date.now());
  metrics.countLibvirtError('timeout');
  let healthy = true;
  const server = await startHttpServer('127.0.0.1:0', {
    health: () => ({ ok: healthy, details: { vms: 3 } }),
    metrics: () => metrics.render({ written: 7, rejected: 1, writeErrors: 2, buffered: 4, failing: false }),
    telemetry: () => ({ count: 0, timestamp: 'x', vms: [] }),
  });
  t.after(() => server.close());
  const base = `http://${server.address}`;

  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok', vms: 3 });
  healthy = false;
  assert.equal((await fetch(`${base}/healthz`)).status, 503);

  const text = await (await fetch(`${base}/metrics`)).text();
  for (const line of [
    'vmt_samples_collected_total 3',
    'vmt_points_written_total 7',
    'vmt_points_buffered 4',
    'vmt_points_dropped_total{reason="rejected"} 1',
    'vmt_collection_duration_seconds_sum 0.25',
    'vmt_collection_duration_seconds_count 1',
    'vmt_libvirt_errors_total{kind="timeout"} 1',
  ]) {
    assert.ok(text.split('\n').includes(line), `missing "${line}" in\n${text}`);
  }
  for (const line of text.trim().split('\n')) {
    assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{\w+="[^"]*"\})? -?[\d.e+-]+)$/, 'Prometheus text format');
  }

  assert.deepEqual(await (await fetch(`${base}/api/telemetry/vm-telemetry`)).json(), { count: 0, timestamp: 'x', vms: [] });
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
});
