// The exporter cannot read pkg/models/metrics.json when it runs (its image is
// built from exporter/ alone), so it names the contract's numeric fields in
// its own code; these tests hold that code to the catalog that the backend,
// the frontend and the provisioning tests read.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { telemetryJson } from '../../src/http/telemetry-json.js';
import { LatestSamples } from '../../src/model/latest-samples.js';
import { samplePoints } from '../../src/model/points.js';
import { rateDegrees } from '../../src/model/rates.js';
import type { VmSample } from '../../src/model/sample.js';

interface CatalogMetric {
  name: string;
  kind: 'gauge' | 'counter';
  defaultScale: number;
  seedRateName?: string;
}

const catalog: CatalogMetric[] = JSON.parse(
  readFileSync(new URL('../../../pkg/models/metrics.json', import.meta.url), 'utf8')
).metrics;

/** The VmSample key of a catalog field: cpu_usage_percent -> cpuUsagePercent. */
const sampleKey = (name: string) => name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()) as keyof VmSample;

const BIGINT_KEYS = new Set([
  'memoryTotalBytes',
  'memoryUsedBytes',
  'diskReadBytes',
  'diskWriteBytes',
  'networkRxBytes',
  'networkTxBytes',
]);

/** A sample of one VM whose every catalog field is (i + 1) × step, i its place in the catalog. */
function sample(timeMs: number, step: number): VmSample {
  const vm: Record<string, unknown> = {
    timeMs,
    vm: 'one-71',
    uuid: 'u-71',
    host: 'hv1',
    state: 'running',
    disks: [],
    interfaces: [],
  };
  catalog.forEach((m, i) => {
    const key = sampleKey(m.name);
    vm[key] = BIGINT_KEYS.has(key) ? BigInt((i + 1) * step) : (i + 1) * step;
  });
  return vm as unknown as VmSample;
}

test('the vm_telemetry point carries exactly the catalog fields (and the state)', () => {
  const [telemetry] = samplePoints(sample(1000, 3));
  const fields = telemetry!.fields.map(([name]) => name).filter((name) => name !== 'state');
  assert.deepEqual([...fields].sort(), catalog.map((m) => m.name).sort());
});

test('the seed JSON has the catalog seed fields, their rates named and computed as the catalog says', () => {
  // Rising values test the scales; falling ones tell counters (null) from gauges (negative).
  for (const [before, after] of [
    [3_000_000, 5_000_000],
    [5_000_000, 3_000_000],
  ] as const) {
    const previous = sample(1000, before);
    const latest = { ...sample(3000, after), domainId: previous.domainId }; // one run of the domain
    const samples = new LatestSamples();
    samples.update([previous]);
    samples.update([latest]);
    const [vm] = (telemetryJson(samples.all(), 3000) as { vms: Array<Record<string, unknown>> }).vms;
    const seed = catalog.filter((m) => m.seedRateName !== undefined);
    assert.deepEqual(Object.keys(vm!), ['id', 'name', ...seed.flatMap((m) => [m.name, m.seedRateName])]);
    for (const m of seed) {
      const key = sampleKey(m.name);
      const expected = rateDegrees(
        { t: 1, v: Number(previous[key]) },
        { t: 3, v: Number(latest[key]) },
        { scale: m.defaultScale, counter: m.kind === 'counter', gapLimitSeconds: null }
      );
      assert.equal(vm![m.seedRateName!], expected, `${m.seedRateName} from ${before} to ${after}`);
      assert.equal(vm![m.name], Number(latest[key]));
    }
  }
});

interface DeviceKind {
  measurement: string;
  tag: string;
  metrics: CatalogMetric[];
}

const deviceKinds: Record<string, DeviceKind> = JSON.parse(
  readFileSync(new URL('../../../pkg/models/metrics.json', import.meta.url), 'utf8')
).devices;

test('the vm_disk and vm_interface points carry exactly the fields and device tag the devices catalog names', () => {
  const vm = sample(1000, 3);
  vm.disks = [{ device: 'vda', readBytes: 1n, writeBytes: 2n, readOps: 3n, writeOps: 4n }];
  vm.interfaces = [
    {
      interface: 'vnet0',
      rxBytes: 1n,
      txBytes: 2n,
      rxPackets: 3n,
      txPackets: 4n,
      rxErrors: 5n,
      txErrors: 6n,
      rxDrops: 7n,
      txDrops: 8n,
    },
  ];
  const points = samplePoints(vm);
  assert.deepEqual(Object.keys(deviceKinds).sort(), ['disk', 'interface']);
  for (const kind of Object.values(deviceKinds)) {
    const point = points.find((p) => p.measurement === kind.measurement);
    assert.ok(point, `no ${kind.measurement} point`);
    assert.deepEqual(point.tags.map(([key]) => key).sort(), ['vm', 'uuid', 'host', kind.tag].sort());
    assert.deepEqual(point.fields.map(([name]) => name).sort(), kind.metrics.map((m) => m.name).sort());
    assert.ok(
      point.fields.every(([, value]) => value.type === 'integer'),
      `${kind.measurement}: counters are integers`
    );
  }
});
