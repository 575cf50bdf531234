// The points the exporter writes, read back from real InfluxDB servers with
// InfluxQL: the contract's measurements, tags, fields and field types, on
// every server version and write path the exporter claims.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test, type TestContext } from 'node:test';
import { createWriteTarget } from '../../src/influx/create-target.js';
import { encodePoint } from '../../src/influx/line-protocol.js';
import { PointQueue } from '../../src/influx/point-queue.js';
import { PointWriter } from '../../src/influx/writer.js';
import { silentLogger } from '../../src/log.js';
import { eventPoint, samplePoints } from '../../src/model/points.js';
import type { VmSample } from '../../src/model/sample.js';
import { influxQL, settingsFor, startInflux, type InfluxServer, type InfluxVersion } from '../support/influx-server.js';

// A field table of docs/CONTRACT.md: `name` | type | ... (read, not copied),
// the one between the texts `from` and `to`.
function contractFieldTypes(from: string, to: string): Map<string, string> {
  const whole = readFileSync(new URL('../../../docs/CONTRACT.md', import.meta.url), 'utf8');
  const start = whole.indexOf(from);
  const text = whole.slice(start, whole.indexOf(to, start));
  const types = new Map<string, string>();
  for (const match of text.matchAll(/^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \| (integer|float|string) \|/gm)) {
    for (const name of match[1]!.matchAll(/`([a-z_]+)`/g)) {
      types.set(name[1]!, match[2]!);
    }
  }
  return types;
}

const now = Date.now() - 60_000;
// A name with every character line protocol and InfluxQL treat specially.
const awkwardName = `we"ird, vm=1 \\ 'x'`;
const samples: VmSample[] = [
  {
    timeMs: now,
    vm: 'one-71',
    uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f',
    host: 'hv-test',
    domainId: 10,
    state: 'running',
    vcpus: 2,
    cpuUsagePercent: 45,
    memoryUsagePercent: 23.5,
    memoryTotalBytes: 2147483648n,
    memoryUsedBytes: 504658739n,
    diskReadBytes: 9007199254740993n,
    diskWriteBytes: 512000n,
    networkRxBytes: 1048576n,
    networkTxBytes: 524288n,
    disks: [
      { device: 'vda', readBytes: 9007199254740993n, writeBytes: 512000n, readOps: 7n, writeOps: 12n },
      { device: 'vdb', readBytes: 0n, writeBytes: 0n, readOps: 0n, writeOps: 0n },
    ],
    interfaces: [
      {
        interface: 'vnet0',
        rxBytes: 1048576n,
        txBytes: 524288n,
        rxPackets: 10n,
        txPackets: 5n,
        rxErrors: 0n,
        txErrors: 1n,
        rxDrops: 2n,
        txDrops: 3n,
      },
    ],
  },
  { timeMs: now, vm: awkwardName, uuid: 'u-2', host: 'hv-test', domainId: -1, state: 'shutoff', disks: [], interfaces: [] },
];

async function writeSamples(server: InfluxServer, api: 'v1' | 'v2'): Promise<void> {
  const target = createWriteTarget(settingsFor(server, api));
  const writer = new PointWriter({
    target,
    queue: new PointQueue({ maxMemoryLines: 1000, onDrop: () => {} }),
    batchSize: 2,
    retryInitialMs: 100,
    retryMaxMs: 1000,
    log: silentLogger,
  });
  writer.enqueue(samples.flatMap(samplePoints).map(encodePoint));
  const event = { vm: 'one-71', uuid: samples[0]!.uuid };
  writer.enqueue([
    encodePoint(eventPoint({ ...event, timeMs: now + 1, event: 'stopped', detail: 'destroyed', reconciled: false }, 'hv-test')),
    encodePoint(eventPoint({ ...event, timeMs: now + 2, event: 'started', detail: 'booted', reconciled: true }, 'hv-test')),
    encodePoint(eventPoint({ ...event, timeMs: now + 3, event: 'rebooted', detail: '', reconciled: false }, 'hv-test')),
  ]);
  assert.equal(await writer.flush(), true, `writing to ${target.description} failed`);
  assert.equal(writer.stats.written, 8);
  await target.close();
}

async function checkContract(t: TestContext, version: InfluxVersion, api: 'v1' | 'v2'): Promise<void> {
  const server = await startInflux(t, version);
  if (!server) {
    return;
  }
  await writeSamples(server, api);

  const expectedTypes = contractFieldTypes('Measurement `vm_telemetry`', 'Per device');
  assert.ok(expectedTypes.size >= 11, `read ${expectedTypes.size} field types from CONTRACT.md`);
  const fieldKeys = await influxQL(server, 'SHOW FIELD KEYS FROM "vm_telemetry"');
  const actualTypes = new Map(fieldKeys[0]!.values.map(([name, type]) => [name as string, type as string]));
  assert.deepEqual(new Map([...actualTypes].sort()), new Map([...expectedTypes].sort()));

  const eventKeys = await influxQL(server, 'SHOW FIELD KEYS FROM "vm_event"');
  assert.deepEqual(
    new Map(eventKeys[0]!.values.map(([name, type]) => [name as string, type as string])),
    contractFieldTypes('measurement `vm_event`', 'A migration')
  );
  const events = await influxQL(server, `SELECT "event", "source", "detail", "host" FROM "vm_event" WHERE "vm" = 'one-71'`);
  assert.deepEqual(events[0]!.values, [
    [now + 1, 'stopped', 'libvirt', 'destroyed', 'hv-test'],
    [now + 2, 'started', 'reconciled', 'booted', 'hv-test'],
    [now + 3, 'rebooted', 'libvirt', null, 'hv-test'],
  ]);

  for (const measurement of ['vm_disk', 'vm_interface']) {
    const keys = await influxQL(server, `SHOW FIELD KEYS FROM "${measurement}"`);
    for (const [name, type] of keys[0]!.values) {
      assert.equal(type, 'integer', `${measurement}.${name}`);
    }
  }

  const rows = await influxQL(server, `SELECT * FROM "vm_telemetry" WHERE "vm" = 'one-71'`);
  const row = Object.fromEntries(rows[0]!.columns.map((c, i) => [c, rows[0]!.values[0]![i]]));
  assert.equal(row['time'], now);
  assert.equal(row['uuid'], '6695eb01-f6a4-8304-79aa-97f2502e193f');
  assert.equal(row['host'], 'hv-test');
  assert.equal(row['domain_id'], 10);
  assert.equal(row['state'], 'running');
  assert.equal(row['cpu_usage_percent'], 45);
  assert.equal(row['memory_total_bytes'], 2147483648);
  assert.equal(row['network_tx_bytes'], 524288);

  // The exact 64-bit integer survives (JSON numbers cannot show it: compare as text).
  const exact = await fetch(
    `${server.url}/query?${new URLSearchParams({ db: server.database, q: `SELECT "read_bytes" FROM "vm_disk" WHERE "device" = 'vda'` })}`,
    { headers: server.token ? { Authorization: `Token ${server.token}` } : {} }
  ).then((r) => r.text());
  assert.match(exact, /9007199254740993/);

  const disks = await influxQL(server, `SELECT "read_ops" FROM "vm_disk" GROUP BY "device"`);
  assert.deepEqual(disks.map((s) => [s.tags!['device'], s.values[0]![1]]), [['vda', 7], ['vdb', 0]]);
  const nics = await influxQL(server, `SELECT "tx_drops", "uuid" FROM "vm_interface" WHERE "interface" = 'vnet0'`);
  assert.deepEqual(nics[0]!.values[0]!.slice(1), [3, '6695eb01-f6a4-8304-79aa-97f2502e193f']);

  const names = await influxQL(server, `SHOW TAG VALUES FROM "vm_telemetry" WITH KEY = "vm"`);
  assert.deepEqual(names[0]!.values.map((v) => v[1]).sort(), ['one-71', awkwardName].sort());
  const off = await influxQL(server, `SELECT "state", "cpu_usage_percent", "memory_usage_percent" FROM "vm_telemetry" WHERE "domain_id" = -1`);
  assert.deepEqual(off[0]!.values[0]!.slice(1), ['shutoff', null, null], 'absent values are not stored as 0');
}

describe('points match the contract on real InfluxDB servers', { timeout: 15 * 60_000 }, () => {
  test('InfluxDB 1.6, v1 /write', (t) => checkContract(t, '1.6', 'v1'));
  test('InfluxDB 1.8, v2 write API', (t) => checkContract(t, '1.8', 'v2'));
  test('InfluxDB 1.8, v1 /write', (t) => checkContract(t, '1.8', 'v1'));
  test('InfluxDB 2.7, v2 write API with token', (t) => checkContract(t, '2.7', 'v2'));
});
