// Points that do not fit the writer's memory bound, kept on disk in order
// while InfluxDB is unreachable: a folder of append-only segment files of
// line protocol, oldest first. Segments left by an earlier run are picked
// up again at start, so a restart of the exporter loses nothing either.

import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const SEGMENT_PATTERN = /^segment-(\d{12})\.lp$/;
const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;

interface Segment {
  seq: number;
  path: string;
  bytes: number;
  lines: number;
}

export interface SpillStoreOptions {
  dir: string;
  /** Total size bound; the oldest segments are deleted past it. */
  maxBytes: number;
  segmentBytes?: number;
}

export class SpillStore {
  private readonly segments: Segment[] = [];
  /** Lines of the oldest segment already read into memory, and how many of them were taken. */
  private headLines: string[] | null = null;
  private headOffset = 0;
  private totalBytes = 0;
  private totalLines = 0;
  private readonly segmentBytes: number;

  constructor(private readonly options: SpillStoreOptions) {
    // Several segments fit in the bound, so dropping the oldest frees room gradually.
    this.segmentBytes = options.segmentBytes ?? Math.max(1, Math.min(DEFAULT_SEGMENT_BYTES, Math.floor(options.maxBytes / 4)));
    mkdirSync(options.dir, { recursive: true });
    const names = readdirSync(options.dir)
      .filter((name) => SEGMENT_PATTERN.test(name))
      .sort();
    for (const name of names) {
      const path = join(options.dir, name);
      const text = readFileSync(path, 'utf8');
      const lines = text === '' ? 0 : text.split('\n').length - 1;
      this.segments.push({ seq: Number(SEGMENT_PATTERN.exec(name)![1]), path, bytes: statSync(path).size, lines });
      this.totalBytes += statSync(path).size;
      this.totalLines += lines;
    }
  }

  /** Lines waiting on disk. */
  get size(): number {
    return this.totalLines - this.headOffset;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Appends lines after every line already stored. Returns how many old lines were deleted to stay in bounds. */
  append(lines: string[]): number {
    if (lines.length === 0) return 0;
    const text = lines.join('\n') + '\n';
    const bytes = Buffer.byteLength(text);
    let tail = this.segments.at(-1);
    // Never append to the segment being read: its lines are already in memory.
    if (!tail || tail.bytes + bytes > this.segmentBytes || (this.segments.length === 1 && this.headLines)) {
      const seq = (tail?.seq ?? 0) + 1;
      tail = { seq, path: join(this.options.dir, `segment-${String(seq).padStart(12, '0')}.lp`), bytes: 0, lines: 0 };
      this.segments.push(tail);
    }
    appendFileSync(tail.path, text);
    tail.bytes += bytes;
    tail.lines += lines.length;
    this.totalBytes += bytes;
    this.totalLines += lines.length;
    return this.enforceBound();
  }

  /** Removes and returns up to max of the oldest lines. */
  take(max: number): string[] {
    const taken: string[] = [];
    while (taken.length < max && this.segments.length > 0) {
      if (!this.headLines) {
        const text = readFileSync(this.segments[0]!.path, 'utf8');
        this.headLines = text === '' ? [] : text.slice(0, -1).split('\n');
        this.headOffset = 0;
      }
      const chunk = this.headLines.slice(this.headOffset, this.headOffset + (max - taken.length));
      taken.push(...chunk);
      this.headOffset += chunk.length;
      if (this.headOffset >= this.headLines.length) this.dropHead();
    }
    return taken;
  }

  private dropHead(): number {
    const head = this.segments.shift()!;
    unlinkSync(head.path);
    const unread = head.lines - (this.headLines ? this.headOffset : 0);
    this.totalBytes -= head.bytes;
    this.totalLines -= head.lines;
    this.headLines = null;
    this.headOffset = 0;
    return unread;
  }

  private enforceBound(): number {
    let dropped = 0;
    while (this.totalBytes > this.options.maxBytes && this.segments.length > 1) {
      dropped += this.dropHead();
    }
    return dropped;
  }
}
