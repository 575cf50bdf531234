import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { PointQueue } from '../../src/influx/point-queue.js';
import { SpillStore } from '../../src/influx/spill-store.js';

const lines = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `m v=${from + i}i ${from + i}`);
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'vmt-spill-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function drain(queue: PointQueue, batch: number): string[] {
  const out: string[] = [];
  for (let part = queue.take(batch); part.length > 0; part = queue.take(batch)) {
    out.push(...part);
  }
  return out;
}

test('without a spill store the oldest lines are dropped past the bound, and counted', () => {
  const drops: number[] = [];
  const queue = new PointQueue({ maxMemoryLines: 5, onDrop: (n) => drops.push(n) });
  queue.push(lines(0, 3));
  queue.push(lines(3, 4));
  assert.equal(queue.size, 5);
  assert.deepEqual(drops, [2]);
  assert.deepEqual(drain(queue, 2), lines(2, 5));
  assert.equal(queue.size, 0);
});

test('with a spill store nothing is lost and the order is kept across disk and memory', () => {
  const spill = new SpillStore({ dir: tempDir(), maxBytes: 1 << 20, segmentBytes: 64 });
  const drops: number[] = [];
  const queue = new PointQueue({ maxMemoryLines: 4, spill, onDrop: (n) => drops.push(n) });
  for (let i = 0; i < 50; i += 5) {
    queue.push(lines(i, 5));
  }
  assert.equal(queue.size, 50);
  assert.ok(spill.size > 0, 'lines went to disk');
  const taken = queue.take(7);
  queue.push(lines(50, 3));
  assert.deepEqual([...taken, ...drain(queue, 6)], lines(0, 53));
  assert.deepEqual(drops, []);
});

test('the spill store drops its oldest segments past its size bound and says how many lines', () => {
  const spill = new SpillStore({ dir: tempDir(), maxBytes: 200, segmentBytes: 50 });
  let dropped = 0;
  for (let i = 0; i < 40; i += 2) {
    for (const drop of spill.append(lines(i, 2))) {
      assert.equal(drop.reason, 'buffer_full');
      dropped += drop.count;
    }
  }
  assert.ok(dropped > 0);
  assert.ok(spill.bytes <= 200 + 50 + 16);
  const kept = spill.take(1000);
  assert.equal(kept.length + dropped, 40);
  assert.deepEqual(kept, lines(40 - kept.length, kept.length), 'the newest lines are the ones kept');
});

test('segments left by an earlier run are read back first, in order', () => {
  const dir = tempDir();
  const first = new SpillStore({ dir, maxBytes: 1 << 20, segmentBytes: 100 });
  first.append(lines(0, 10));
  assert.ok(readdirSync(dir).length > 1 || first.size === 10);
  const second = new SpillStore({ dir, maxBytes: 1 << 20, segmentBytes: 100 });
  assert.equal(second.size, 10);
  second.append(lines(10, 2));
  assert.deepEqual(second.take(100), lines(0, 12));
  assert.deepEqual(readdirSync(dir), []);
});

test('spillAll moves the batch in flight and the memory backlog to disk', () => {
  const dir = tempDir();
  const queue = new PointQueue({ maxMemoryLines: 100, spill: new SpillStore({ dir, maxBytes: 1 << 20 }), onDrop: () => {} });
  queue.push(lines(2, 3));
  assert.equal(queue.spillAll(lines(0, 2)), 5);
  assert.deepEqual(new SpillStore({ dir, maxBytes: 1 << 20 }).take(100), lines(0, 5));
});
