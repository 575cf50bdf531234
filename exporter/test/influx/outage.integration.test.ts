// InfluxDB stopped for 30 s while samples keep coming, then started again:
// every sample reaches InfluxDB, on the v1 path (1.6) and the v2 path (2.7).

import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { createWriteTarget } from '../../src/influx/create-target.js';
import { encodePoint } from '../../src/influx/line-protocol.js';
import { PointQueue } from '../../src/influx/point-queue.js';
import { PointWriter } from '../../src/influx/writer.js';
import { createLogger } from '../../src/log.js';
import { samplePoints } from '../../src/model/points.js';
import { influxQL, settingsFor, startInflux, stopForRestart, type InfluxVersion } from '../support/influx-server.js';

const VMS = 3;
const OUTAGE_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function outage(t: TestContext, version: InfluxVersion, api: 'v1' | 'v2'): Promise<void> {
  const server = await startInflux(t, version);
  if (!server) {
    return;
  }
  const logs: string[] = [];
  const writer = new PointWriter({
    // The exporter's default request limit: a shorter one lets a loaded host's slow write
    // before or after the outage count as a second outage (a second warning).
    target: createWriteTarget({ ...settingsFor(server, api), batchSize: 1000, timeoutMs: 10_000 }),
    // A small memory bound, so part of the backlog goes through the path
    // without spilling and the count proves nothing was dropped.
    queue: new PointQueue({ maxMemoryLines: 10_000, onDrop: (n) => assert.fail(`${n} points dropped`) }),
    batchSize: 1000,
    retryInitialMs: 200,
    retryMaxMs: 2000,
    log: createLogger('info', (line) => logs.push(line)),
  });
  writer.start();
  const start = Date.now() - 3_600_000;
  let rounds = 0;
  const sampleRound = (): void => {
    const timeMs = start + rounds * 1000;
    rounds++;
    const lines = Array.from({ length: VMS }, (_, vm) =>
      samplePoints({ timeMs, vm: `vm-${vm}`, uuid: `u-${vm}`, host: 'h', domainId: vm, state: 'running', vcpus: rounds, disks: [], interfaces: [] })
    ).flat();
    writer.enqueue(lines.map(encodePoint));
  };
  const every = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      sampleRound();
      await sleep(200);
    }
  };
  await every(2000);
  const restart = await stopForRestart(server);
  await every(OUTAGE_MS);
  assert.ok(writer.stats.failing, 'writes fail while InfluxDB is stopped');
  assert.ok(writer.stats.buffered > 0);
  await restart();
  await every(2000);
  assert.equal(await writer.stop(30_000), 0, 'everything written at stop');

  const counts = await influxQL(server, `SELECT COUNT("vcpus") FROM "vm_telemetry" GROUP BY "vm"`);
  assert.equal(counts.length, VMS);
  for (const series of counts) {
    assert.equal(series.values[0]![1], rounds, `samples of ${series.tags!['vm']}`);
  }
  assert.equal(writer.stats.written, rounds * VMS);
  assert.equal(logs.filter((l) => l.includes('writing to InfluxDB failed')).length, 1, 'one warning for the outage');
}

// Both versions at once: each has its own server and writer, and the 30 s outages overlap
// instead of adding up (the test mostly waits).
describe('InfluxDB stopped for 30 s loses no sample', { timeout: 10 * 60_000, concurrency: true }, () => {
  test('InfluxDB 1.6, v1 /write', (t) => outage(t, '1.6', 'v1'));
  test('InfluxDB 2.7, v2 write API', (t) => outage(t, '2.7', 'v2'));
});
