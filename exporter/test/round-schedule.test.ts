import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextRound, nextTick } from '../src/exporter.js';

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
