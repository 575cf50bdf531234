// The spill folder's record framing under damage: torn tails, flipped
// bytes, garbage between records; and writes that the disk refuses.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { frameRecord, parseRecords, SpillStore } from '../../src/influx/spill-store.js';

const lines = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `m,vm=v${from + i} v=${from + i}i ${from + i}`);
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'vmt-spill-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

test('records round-trip, empty lines and non-ASCII included', () => {
  const records = [['a', 'b'], [''], ['ü\u29f5 \\', 'x']];
  const data = Buffer.concat(records.map(frameRecord));
  assert.deepEqual(parseRecords(data), { lines: records.flat(), corrupt: 0 });
});

test('a record cut at any byte is skipped and counted; the records before it are kept', () => {
  const good = Buffer.concat([frameRecord(lines(0, 3)), frameRecord(lines(3, 2))]);
  const last = frameRecord(lines(5, 4));
  for (let cut = 1; cut < last.length; cut++) {
    const parsed = parseRecords(Buffer.concat([good, last.subarray(0, cut)]));
    assert.deepEqual(parsed, { lines: lines(0, 5), corrupt: 1 }, `cut at ${cut}`);
  }
});

test('any single flipped byte costs at most the record holding it, and is counted', () => {
  const records = [0, 1, 2, 3].map((i) => frameRecord(lines(i * 3, 3)));
  const data = Buffer.concat(records);
  let tried = 0;
  for (let at = 0; at < data.length; at++) {
    for (const mask of [0x01, 0x80, 0xff]) {
      const damaged = Buffer.from(data);
      damaged[at]! ^= mask;
      const parsed = parseRecords(damaged);
      tried++;
      const hit = Math.floor(records.findIndex((_, i) => at < records.slice(0, i + 1).reduce((n, r) => n + r.length, 0)));
      const expected = [0, 1, 2, 3].filter((i) => i !== hit).flatMap((i) => lines(i * 3, 3));
      assert.deepEqual(parsed.lines, expected, `byte ${at} ^ ${mask}`);
      assert.ok(parsed.corrupt >= 1, `byte ${at} ^ ${mask} counted`);
    }
  }
  assert.ok(tried > 500, `${tried} damaged copies`);
});

test('garbage in a segment is skipped and counted at start; the intact records are read in order', () => {
  const dir = tempDir();
  const first = new SpillStore({ dir, maxBytes: 1 << 20 });
  first.append(lines(0, 4));
  first.append(lines(4, 4));
  const [segment] = readdirSync(dir);
  const path = join(dir, segment!);
  const data = readFileSync(path);
  // Garbage between the two records, and a torn record at the end.
  const split = frameRecord(lines(0, 4)).length;
  writeFileSync(path, Buffer.concat([data.subarray(0, split), Buffer.from('garbage\n'), data.subarray(split)]));
  appendFileSync(path, frameRecord(lines(8, 4)).subarray(0, 20));
  const reported: number[] = [];
  const second = new SpillStore({ dir, maxBytes: 1 << 20, onCorrupt: (_segment, records) => reported.push(records) });
  assert.deepEqual(reported, [2]);
  assert.equal(second.corruptRecords, 2);
  assert.equal(second.size, 8);
  assert.deepEqual(second.take(100), lines(0, 8));
});

test('a write error drops only the new lines, never throws; a truncated segment file does not break reading', () => {
  const dir = tempDir();
  const store = new SpillStore({ dir, maxBytes: 1 << 20 });
  store.append(lines(0, 2));
  rmSync(dir, { recursive: true });
  const drops = store.append(lines(2, 2));
  assert.deepEqual(drops.map((d) => [d.reason, d.count]), [['spill_error', 2]]);
  assert.match(drops[0]!.detail ?? '', /ENOENT/);
  assert.deepEqual(store.take(10), [], 'the deleted segment reads as empty');

  const other = tempDir();
  const again = new SpillStore({ dir: other, maxBytes: 1 << 20 });
  again.append(lines(0, 3));
  truncateSync(join(other, readdirSync(other)[0]!), 10);
  const reopened = new SpillStore({ dir: other, maxBytes: 1 << 20 });
  assert.equal(reopened.corruptRecords, 1);
  assert.deepEqual(reopened.take(10), []);
});

// A child appends numbered lines and prints each number once its append
// returned; it is killed with SIGKILL at a random moment, over and over on
// the same folder. Every acknowledged line must be read back, in order,
// with nothing but whole records (a torn last one is skipped and counted).
test('kill -9 in the middle of writes: every acknowledged append survives, torn records are skipped', async () => {
  const dir = tempDir();
  const child = `
    import { SpillStore } from ${JSON.stringify(new URL('../../src/influx/spill-store.ts', import.meta.url).pathname)};
    const store = new SpillStore({ dir: process.argv[1], maxBytes: 1 << 30, segmentBytes: 64 * 1024 });
    let n = Number(process.argv[2]);
    for (;;) {
      // Records of a few KiB, so a kill often lands inside a write.
      const batch = Array.from({ length: 50 }, (_, i) => 'm,vm=v v=' + (n + i) + 'i ' + 'x'.repeat(40));
      store.append(batch);
      n += 50;
      process.stdout.write(n + '\\n');
    }`;
  let acknowledged = 0;
  let kills = 0;
  let corrupt = 0;
  for (let round = 0; round < 12; round++) {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child, dir, String(acknowledged)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    // Wait for the first acknowledgement, then a random moment more.
    for (let i = 0; i < 600 && !out.includes('\n'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, Math.random() * 200));
    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));
    kills++;
    const acks = out.trim().split('\n').filter(Boolean).map(Number);
    const store = new SpillStore({ dir, maxBytes: 1 << 30 });
    corrupt += store.corruptRecords;
    const stored = store.size;
    assert.ok(acks.length > 0, 'the child wrote before it was killed');
    assert.ok(stored >= acks.at(-1)!, `acknowledged ${acks.at(-1)}, stored ${stored}`);
    // The next child resumes numbering after what is stored (a whole record more than acknowledged is possible).
    acknowledged = stored;
  }
  const store = new SpillStore({ dir, maxBytes: 1 << 30 });
  const all = store.take(Number.MAX_SAFE_INTEGER);
  assert.equal(all.length, acknowledged);
  all.forEach((line, i) => assert.equal(line, `m,vm=v v=${i}i ${'x'.repeat(40)}`, `line ${i}`));
  console.log(`# spill kill -9: kills ${kills}, lines ${all.length} all in order, torn/corrupt records skipped ${corrupt}`);
});
