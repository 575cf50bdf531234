// Every name libvirt can give a VM or a host reaches InfluxDB: each ASCII
// character (printable and control) and a few beyond, alone and at either
// end of VM and host names, written in one batch through the writer to
// real InfluxDB 1.6 (v1 /write), 1.8 and 2.7 (v2 API). The stored names
// are the contract's (docs/CONTRACT.md: line breaks as \n, \r; a trailing
// backslash as U+29F5), and no point is refused.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createWriteTarget } from '../../src/influx/create-target.js';
import { encodePoint } from '../../src/influx/line-protocol.js';
import { PointQueue } from '../../src/influx/point-queue.js';
import { PointWriter } from '../../src/influx/writer.js';
import { silentLogger } from '../../src/log.js';
import { influxQL, settingsFor, startInflux, type InfluxVersion } from '../support/influx-server.js';

const characters = [
  ...Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)),
  'é', '日本', '\u{1F600}', '\u29f5', '\ufeff', '\u2028', '\u00a0',
];
const names = [...new Set(characters.flatMap((c) => [c, `a${c}`, `${c}z`]))];

/** The name as docs/CONTRACT.md says it is stored. */
const stored = (name: string): string => name.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\\$/, '\u29f5');

const cases: Array<[InfluxVersion, 'v1' | 'v2']> = [['1.6', 'v1'], ['1.8', 'v2'], ['2.7', 'v2']];

describe('VM and host names with every character', { timeout: 15 * 60_000 }, () => {
  for (const [version, api] of cases) {
    test(`InfluxDB ${version} (${api} write API): every VM's and host's points arrive`, async (t) => {
      const influx = await startInflux(t, version);
      if (!influx) {
        return;
      }
      const now = Date.now();
      const lines = names.flatMap((name, i) => [
        encodePoint({ measurement: 'vm_telemetry', tags: [['vm', name], ['host', 'hv'], ['uuid', `vm-${i}`]], fields: [['vcpus', { type: 'integer', value: i }]], timeMs: now }),
        encodePoint({ measurement: 'vm_telemetry', tags: [['vm', 'fixed'], ['host', name], ['uuid', `host-${i}`]], fields: [['vcpus', { type: 'integer', value: i }]], timeMs: now }),
      ]);
      const target = createWriteTarget({ ...settingsFor(influx, api), batchSize: lines.length });
      t.after(() => target.close());
      const writer = new PointWriter({
        target,
        queue: new PointQueue({ maxMemoryLines: lines.length, onDrop: () => assert.fail('nothing dropped') }),
        batchSize: lines.length,
        retryInitialMs: 100,
        retryMaxMs: 100,
        log: silentLogger,
      });
      writer.enqueue(lines);
      assert.equal(await writer.flush(), true);
      assert.equal(writer.stats.rejected, 0, 'no point refused');

      const series = await influxQL(influx, `SELECT count("vcpus") FROM "vm_telemetry" WHERE time >= ${now - 1000}ms GROUP BY "vm", "host", "uuid"`);
      const found = new Map(series.map((s) => [s.tags!['uuid']!, s.tags!]));
      const missing: string[] = [];
      for (const [i, name] of names.entries()) {
        const vm = found.get(`vm-${i}`);
        if (vm?.['vm'] !== stored(name) || vm['host'] !== 'hv') {
          missing.push(`VM ${JSON.stringify(name)} stored as ${JSON.stringify(vm)}`);
        }
        const host = found.get(`host-${i}`);
        if (host?.['host'] !== stored(name) || host['vm'] !== 'fixed') {
          missing.push(`host ${JSON.stringify(name)} stored as ${JSON.stringify(host)}`);
        }
      }
      assert.deepEqual(missing, []);
      t.diagnostic(`InfluxDB ${version}: names ${names.length} as VM and as host (${lines.length} points), refused 0, lost 0`);
    });
  }
});
