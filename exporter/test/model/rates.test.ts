import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { perSecond, rateDegrees, rateSeries, type RateOptions, type TimedValue } from '../../src/model/rates.js';

// The project's one set of rate vectors, shared with the Go backend's tests.
interface RateVector {
  name: string;
  kind: 'gauge' | 'counter';
  scale: number;
  gap_limit_seconds: number | null;
  window_seconds?: number;
  points: Array<[number, number | null]>;
  expected_rate: Array<number | null>;
  expected_per_second: Array<number | null> | null;
}
const vectorFile = JSON.parse(
  readFileSync(new URL('../../../testdata/rate-vectors.json', import.meta.url), 'utf8')
) as { tolerance: number; vectors: RateVector[] };

function assertClose(actual: number | null, expected: number | null, what: string): void {
  if (expected === null) {
    assert.equal(actual, null, `${what}: expected null, got ${actual}`);
    return;
  }
  assert.notEqual(actual, null, `${what}: expected ${expected}, got null`);
  assert.ok(Math.abs(actual! - expected) <= vectorFile.tolerance, `${what}: expected ${expected}, got ${actual}`);
}

describe('rate vectors of testdata/rate-vectors.json', () => {
  assert.ok(vectorFile.vectors.length > 0, 'the vector file holds vectors');
  for (const vector of vectorFile.vectors) {
    test(vector.name, () => {
      const options: RateOptions = {
        scale: vector.scale,
        counter: vector.kind === 'counter',
        gapLimitSeconds: vector.gap_limit_seconds,
      };
      const series: TimedValue[] = vector.points.map(([t, v]) => ({ t, v }));
      const whole = rateSeries(series, { ...options, windowSeconds: vector.window_seconds ?? 0 });
      series.forEach((_, i) => {
        assertClose(whole.rate[i]!, vector.expected_rate[i]!, `rateSeries rate[${i}]`);
        if (vector.expected_per_second !== null) {
          assertClose(whole.perSecond[i]!, vector.expected_per_second[i]!, `rateSeries per_second[${i}]`);
        }
      });
      if ((vector.window_seconds ?? 0) > 0) {
        return;
      }
      series.forEach((point, i) => {
        assertClose(rateDegrees(series[i - 1], point, options), vector.expected_rate[i]!, `rate[${i}]`);
        if (vector.expected_per_second !== null) {
          assertClose(perSecond(series[i - 1], point, options), vector.expected_per_second[i]!, `per_second[${i}]`);
        }
      });
    });
  }
});
