import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/log.js';
import { PointQueue } from '../../src/influx/point-queue.js';
import { PointWriter } from '../../src/influx/writer.js';
import { WriteError, type WriteTarget } from '../../src/influx/write-target.js';

/** A target that fails while `down` is set, and records what it accepted. */
class ScriptedTarget implements WriteTarget {
  readonly description = 'scripted';
  readonly accepted: string[] = [];
  readonly requests: number[] = [];
  down = false;
  /** Batches holding a line with this text are refused whole, as InfluxDB 2.x does. */
  refuseLinesWith = '';
  async write(lines: string[]): Promise<void> {
    this.requests.push(lines.length);
    if (this.refuseLinesWith && lines.some((line) => line.includes(this.refuseLinesWith))) {
      throw new WriteError('HTTP 400: unable to parse', false, 400);
    }
    if (this.down) {
      throw new WriteError('connect ECONNREFUSED', true);
    }
    this.accepted.push(...lines);
  }
  async close(): Promise<void> {}
}

function setup(target: ScriptedTarget, logLines: string[] = []) {
  const queue = new PointQueue({ maxMemoryLines: 1000, onDrop: () => {} });
  const writer = new PointWriter({
    target,
    queue,
    batchSize: 4,
    retryInitialMs: 5,
    retryMaxMs: 20,
    log: createLogger('debug', (line) => logLines.push(line)),
  });
  return writer;
}

const round = (n: number): string[] => [`vm_telemetry v=${n}i ${n}`, `vm_disk v=${n}i ${n}`];

test('batches respect the batch size and keep sampling order', async () => {
  const target = new ScriptedTarget();
  const writer = setup(target);
  for (let i = 0; i < 5; i++) {
    writer.enqueue(round(i));
  }
  assert.equal(await writer.flush(), true);
  assert.deepEqual(target.requests, [4, 4, 2]);
  assert.deepEqual(target.accepted, [0, 1, 2, 3, 4].flatMap(round));
  assert.equal(writer.stats.written, 10);
});

test('an outage keeps every sample, logs once, and the backlog is written in order when InfluxDB returns', async () => {
  const target = new ScriptedTarget();
  const logs: string[] = [];
  const writer = setup(target, logs);
  target.down = true;
  writer.start();
  for (let i = 0; i < 10; i++) {
    writer.enqueue(round(i));
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(writer.stats.failing);
  assert.equal(writer.stats.buffered, 20);
  target.down = false;
  const left = await writer.stop(5000);
  assert.equal(left, 0);
  assert.deepEqual(target.accepted, Array.from({ length: 10 }, (_, i) => i).flatMap(round));
  const warnings = logs.filter((l) => l.includes('writing to InfluxDB failed'));
  assert.equal(warnings.length, 1, `one warning per outage, got ${warnings.length}`);
  assert.equal(logs.filter((l) => l.includes('works again')).length, 1);
});

test('a refused batch is split until the bad line is alone: only it is dropped, counted and logged', async () => {
  const target = new ScriptedTarget();
  const logs: string[] = [];
  const writer = setup(target, logs);
  const bad = 'vm_telemetry,vm=BAD v=1i 1';
  writer.enqueue(round(0));
  writer.enqueue([round(1)[0]!, bad, round(1)[1]!]);
  writer.enqueue(round(2));
  target.refuseLinesWith = 'BAD';
  assert.equal(await writer.flush(), true);
  assert.deepEqual(target.accepted, [...round(0), ...round(1), ...round(2)], 'every other line, in sampling order');
  assert.equal(writer.stats.rejected, 1);
  assert.equal(writer.stats.buffered, 0);
  const refused = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === 'InfluxDB refused a point; it is dropped');
  assert.equal(refused.length, 1);
  assert.equal(refused[0]!['line'], bad, 'the log names the line, and so its VM');
  assert.ok(target.requests.length <= 2 + 2 * Math.ceil(Math.log2(4)) + 1, `requests ${target.requests}`);
});

test('a batch refused whole splits down to single lines, each dropped on its own', async () => {
  const target = new ScriptedTarget();
  const writer = setup(target);
  writer.enqueue(['BAD 1', 'BAD 2', 'BAD 3']);
  target.refuseLinesWith = 'BAD';
  assert.equal(await writer.flush(), true);
  assert.equal(writer.stats.rejected, 3);
  assert.deepEqual(target.accepted, []);
});

test('stop gives up at its deadline and reports what is left', async () => {
  const target = new ScriptedTarget();
  const writer = setup(target);
  target.down = true;
  writer.enqueue(round(0));
  assert.equal(await writer.stop(50), 2);
});
