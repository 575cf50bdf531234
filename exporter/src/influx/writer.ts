// Sends the sampled points to InfluxDB in sampling order: one batch in
// flight at a time, retried with exponential backoff while InfluxDB is
// unreachable, the backlog bounded by the point queue. One log line when
// an outage starts and one when it ends, not one per attempt. A batch
// InfluxDB refuses as bad data is split in halves until the refused line is
// alone, so one bad line costs that line only (InfluxDB 2.x refuses a whole
// batch for it; 1.x writes the rest, and writing those again is harmless:
// same series and time, same values).

import type { Logger } from '../log.js';
import type { PointQueue } from './point-queue.js';
import { WriteError, type WriteTarget } from './write-target.js';

export interface PointWriterOptions {
  target: WriteTarget;
  queue: PointQueue;
  /** Lines per request. */
  batchSize: number;
  retryInitialMs: number;
  retryMaxMs: number;
  log: Logger;
}

export interface WriterStats {
  /** Lines handed to the writer. */
  enqueued: number;
  written: number;
  /** Lines refused by InfluxDB (HTTP 400/413) on their own, dropped. */
  rejected: number;
  writeErrors: number;
  buffered: number;
  /** true while writes fail. */
  failing: boolean;
}

/** How much of a refused line goes to the log: enough to name its VM. */
const LOGGED_LINE_CHARS = 500;

export class PointWriter {
  private pending: string[] = [];
  /** Halves of refused batches still to send, the next one last (they precede the queue). */
  private halves: string[][] = [];
  private enqueued = 0;
  private written = 0;
  private rejected = 0;
  private writeErrors = 0;
  private outageSince: number | null = null;
  private failedAttempts = 0;
  private running = false;
  private loop: Promise<void> | null = null;
  /** Ends the idle wait of the loop (new lines, stop). */
  private wake: (() => void) | null = null;
  /** Ends a backoff sleep early (stop only: new lines must not cut a backoff short). */
  private interruptSleep: (() => void) | null = null;

  constructor(private readonly options: PointWriterOptions) {}

  get stats(): WriterStats {
    return {
      enqueued: this.enqueued,
      written: this.written,
      rejected: this.rejected,
      writeErrors: this.writeErrors,
      buffered: this.pending.length + this.halfLines() + this.options.queue.size,
      failing: this.outageSince !== null,
    };
  }

  enqueue(lines: string[]): void {
    this.enqueued += lines.length;
    this.options.queue.push(lines);
    this.wake?.();
  }

  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Stops the background loop, then writes what is held until it is all
   * written or the deadline passes. Returns the count of lines not written.
   */
  async stop(deadlineMs: number): Promise<number> {
    this.running = false;
    this.wake?.();
    this.interruptSleep?.();
    await this.loop;
    const until = Date.now() + deadlineMs;
    while (this.hasWork() && Date.now() < until) {
      const ok = await this.writeOnce();
      if (!ok) {
        await this.sleep(Math.min(this.backoffMs(), Math.max(0, until - Date.now())));
      }
    }
    return this.pending.length + this.halfLines() + this.options.queue.size;
  }

  /** Writes whatever is queued now (tests, --once). Resolves true when everything was written. */
  async flush(): Promise<boolean> {
    while (this.hasWork()) {
      if (!(await this.writeOnce())) {
        return false;
      }
    }
    return true;
  }

  /**
   * At exit, after stop(): moves what could not be written to the spill
   * store (the batch in flight first, then the memory backlog). Returns the
   * count moved; 0 without a spill store.
   */
  spillUnwritten(): number {
    const moved = this.options.queue.spillAll([...this.pending, ...this.halves.toReversed().flat()]);
    if (moved > 0) {
      this.pending = [];
      this.halves = [];
    }
    return moved;
  }

  private halfLines(): number {
    return this.halves.reduce((sum, half) => sum + half.length, 0);
  }

  private hasWork(): boolean {
    return this.pending.length > 0 || this.halves.length > 0 || this.options.queue.size > 0;
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (!this.hasWork()) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      if (!(await this.writeOnce())) {
        await this.sleep(this.backoffMs());
      }
    }
  }

  /** One request. Returns false when it failed and should be retried later. */
  private async writeOnce(): Promise<boolean> {
    if (this.pending.length === 0) {
      this.pending = this.halves.pop() ?? this.options.queue.take(this.options.batchSize);
    }
    const { log, target } = this.options;
    try {
      await target.write(this.pending);
    } catch (error) {
      if (error instanceof WriteError && !error.retryable) {
        if (this.pending.length > 1) {
          const middle = Math.ceil(this.pending.length / 2);
          this.halves.push(this.pending.slice(middle));
          this.pending = this.pending.slice(0, middle);
          return true;
        }
        this.rejected++;
        log.error('InfluxDB refused a point; it is dropped', {
          line: this.pending[0]!.slice(0, LOGGED_LINE_CHARS),
          status: error.status,
          error: error.message.slice(0, LOGGED_LINE_CHARS),
          totalRejected: this.rejected,
        });
        this.pending = [];
        return true;
      }
      this.writeErrors++;
      this.failedAttempts++;
      if (this.outageSince === null) {
        this.outageSince = Date.now();
        log.warn('writing to InfluxDB failed; keeping samples and retrying', {
          target: target.description,
          error: (error as Error).message,
        });
      }
      return false;
    }
    this.written += this.pending.length;
    this.pending = [];
    if (this.outageSince !== null) {
      log.info('writing to InfluxDB works again', {
        target: target.description,
        outageSeconds: Math.round((Date.now() - this.outageSince) / 1000),
        failedAttempts: this.failedAttempts,
        buffered: this.options.queue.size,
      });
      this.outageSince = null;
    }
    this.failedAttempts = 0;
    return true;
  }

  private backoffMs(): number {
    const exponent = Math.min(this.failedAttempts - 1, 30);
    return Math.min(this.options.retryMaxMs, this.options.retryInitialMs * 2 ** Math.max(0, exponent));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.interruptSleep = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interruptSleep = done;
    });
  }
}
