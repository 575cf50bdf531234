import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Exporter, type ExporterParts, nextRound, nextTick } from '../src/exporter.js';
import { ExporterMetrics } from '../src/metrics.js';

test('rounds start on multiples of the interval on the wall clock', () => {
  assert.equal(nextTick(1_700_000_000_400, 1000), 1_700_000_001_000);
  assert.equal(nextTick(1_700_000_001_000, 1000), 1_700_000_002_000);
  assert.equal(nextTick(1_700_000_003_000, 5000), 1_700_000_005_000);
});

test('the next round is one interval after the last one due', () => {
  assert.deepEqual(nextRound(10_000, 10_250, 1000), { dueMs: 11_000, overrun: false });
});

test('a round that outlasts the interval skips the ticks it missed and counts an overrun', () => {
  assert.deepEqual(nextRound(10_000, 12_300, 1000), { dueMs: 13_000, overrun: true });
  assert.deepEqual(nextRound(10_000, 11_000, 1000), { dueMs: 12_000, overrun: true });
});

test('a clock stepped back does not stall the rounds', () => {
  assert.deepEqual(nextRound(10_000, 5_200, 1000), { dueMs: 6_000, overrun: false });
});

test('a timer that fires before the round is due waits for it: the round starts on its tick, never in the one before', async (t) => {
  // Node arms timers from the event loop's cached time, so one can fire a little
  // before the wall clock reaches its tick; the collector numbers rounds by that clock.
  let wallMs = 1_700_000_000_400;
  t.mock.method(Date, 'now', () => wallMs);
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const parts = { intervalMs: 1000, metrics: new ExporterMetrics() } as unknown as ExporterParts;
  const exporter = new Exporter(parts);
  const startedAt: number[] = [];
  t.mock.method(exporter, 'round', async () => {
    startedAt.push(Date.now());
    return null;
  });
  exporter.start();
  wallMs = 1_700_000_000_998; // the timer fires 2 ms early by the wall clock
  t.mock.timers.tick(600);
  assert.deepEqual(startedAt, [], 'not started in the round before');
  wallMs = 1_700_000_001_000;
  t.mock.timers.tick(2);
  assert.deepEqual(startedAt, [1_700_000_001_000]);
  await exporter.stop();
});
