// The seed-compatible JSON of docs/CONTRACT.md ("Seed-compatible JSON"):
// each VM's newest values and the contract's rates from its last two
// samples of that value (percent: scale 1; byte counters: scale 1 MiB; no
// gap limit).
// A value or rate that is absent is null.

import { MIB, rateDegrees, type RateOptions } from '../model/rates.js';
import type { VmSamples } from '../model/latest-samples.js';
import type { VmSample } from '../model/sample.js';

type Metric = 'cpuUsagePercent' | 'memoryUsagePercent' | 'diskReadBytes' | 'diskWriteBytes' | 'networkRxBytes' | 'networkTxBytes';

/** JSON value name, rate name, sample field, rate options. */
const COLUMNS: Array<[string, string, Metric, RateOptions]> = [
  ['cpu_usage_percent', 'cpu_rate', 'cpuUsagePercent', { scale: 1, counter: false, gapLimitSeconds: null }],
  ['memory_usage_percent', 'memory_rate', 'memoryUsagePercent', { scale: 1, counter: false, gapLimitSeconds: null }],
  ['disk_read_bytes', 'disk_read_rate', 'diskReadBytes', { scale: MIB, counter: true, gapLimitSeconds: null }],
  ['disk_write_bytes', 'disk_write_rate', 'diskWriteBytes', { scale: MIB, counter: true, gapLimitSeconds: null }],
  ['network_rx_bytes', 'network_rx_rate', 'networkRxBytes', { scale: MIB, counter: true, gapLimitSeconds: null }],
  ['network_tx_bytes', 'network_tx_rate', 'networkTxBytes', { scale: MIB, counter: true, gapLimitSeconds: null }],
];

function numeric(sample: VmSample | undefined, metric: Metric): number | null {
  const value = sample?.[metric];
  return value === undefined ? null : Number(value);
}

/** RFC 3339 with microseconds, like the seed: 2025-12-04T10:30:45.123456Z. */
export function seedTimestamp(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function telemetryJson(vms: VmSamples[], nowMs: number): object {
  const rows = vms
    .map(({ latest, fields }) => {
      const vm: Record<string, string | number | null> = { id: latest.domainId, name: latest.vm };
      for (const [valueName, rateName, metric, options] of COLUMNS) {
        const pair = fields.get(metric);
        const current = pair ? { t: pair.latest.timeMs / 1000, v: numeric(pair.latest, metric) } : { t: 0, v: null };
        const before = pair?.previous ? { t: pair.previous.timeMs / 1000, v: numeric(pair.previous, metric) } : undefined;
        vm[valueName] = current.v;
        vm[rateName] = rateDegrees(before, current, options);
      }
      return vm;
    })
    .sort((a, b) => String(a['name']).localeCompare(String(b['name'])));
  return { count: rows.length, timestamp: seedTimestamp(nowMs), vms: rows };
}
