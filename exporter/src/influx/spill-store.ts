// Points that do not fit the writer's memory bound, kept on disk in order
// while InfluxDB is unreachable: a folder of append-only segment files,
// oldest first, picked up again at start so a restart loses nothing.
//
// A segment is a sequence of framed records, one per append (or more for a
// large one): magic, payload length, line count, CRC-32 of the payload, then
// the lines. A record torn by a crash or damaged on disk fails its frame or
// checksum: it is skipped and counted, and reading goes on at the next magic.
//
// fsync policy: an append returns only after its records are written and
// fdatasync'd, and a new segment's folder entry is fsync'd; an append
// happens once per collection round while the memory bound is reached, and
// once at exit. Deleting a segment that was written to InfluxDB is not
// synced: after a power loss it may come back and its points be written
// again, which InfluxDB stores once (same series, same time).
//
// Faults never reach the caller: a full disk drops the oldest segments to
// make room (and the new lines when nothing older is left), another write
// error drops the new lines; both are reported as dropped lines.

import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

const SEGMENT_PATTERN = /^segment-(\d{12})\.spill$/;
// Bytes that never occur in UTF-8 text start the magic, so a record's lines cannot fake one.
const MAGIC = Buffer.from([0xf5, 0x56, 0x4d, 0x54]);
const HEADER_BYTES = 16;
const MAX_SEGMENT_BYTES = 8 * 1024 * 1024;
const MIN_SEGMENT_BYTES = 4 * 1024;

export type DropReason = 'buffer_full' | 'disk_full' | 'spill_error';

export interface DroppedLines {
  reason: DropReason;
  count: number;
  /** The error, for spill_error. */
  detail?: string;
}

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
  /** Told of torn or corrupt records skipped while reading a segment left by an earlier run. */
  onCorrupt?: (segment: string, records: number) => void;
}

export interface ParsedRecords {
  lines: string[];
  /** Records skipped: torn (cut short) or failing their frame or checksum. */
  corrupt: number;
}

export function frameRecord(lines: string[]): Buffer {
  const payload = Buffer.from(lines.join('\n'), 'utf8');
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(payload.length, 4);
  header.writeUInt32LE(lines.length, 8);
  header.writeUInt32LE(crc32(payload), 12);
  return Buffer.concat([header, payload]);
}

/** The lines of every intact record in `data`, in order, and how many records were skipped. */
export function parseRecords(data: Buffer): ParsedRecords {
  const lines: string[] = [];
  let corrupt = 0;
  let offset = 0;
  while (offset < data.length) {
    const intact = (): boolean => {
      if (data.length - offset < HEADER_BYTES || !data.subarray(offset, offset + 4).equals(MAGIC)) {
        return false;
      }
      const length = data.readUInt32LE(offset + 4);
      const count = data.readUInt32LE(offset + 8);
      const end = offset + HEADER_BYTES + length;
      if (end > data.length) {
        return false;
      }
      const payload = data.subarray(offset + HEADER_BYTES, end);
      if (crc32(payload) !== data.readUInt32LE(offset + 12)) {
        return false;
      }
      const recordLines = length === 0 ? [''] : payload.toString('utf8').split('\n');
      if (recordLines.length !== count) {
        return false;
      }
      lines.push(...recordLines);
      offset = end;
      return true;
    };
    if (intact()) {
      continue;
    }
    corrupt++;
    const next = data.indexOf(MAGIC, offset + 1);
    if (next < 0) {
      break;
    }
    offset = next;
  }
  return { lines, corrupt };
}

const isDiskFull = (error: unknown): boolean => ['ENOSPC', 'EDQUOT'].includes((error as NodeJS.ErrnoException).code ?? '');

export class SpillStore {
  private readonly segments: Segment[] = [];
  /** Lines of the oldest segment already read into memory, and how many of them were taken. */
  private headLines: string[] | null = null;
  private headOffset = 0;
  private totalBytes = 0;
  private totalLines = 0;
  private corrupt = 0;
  private readonly segmentBytes: number;

  constructor(private readonly options: SpillStoreOptions) {
    // Many segments fit in the bound, so dropping the oldest frees room gradually.
    this.segmentBytes = options.segmentBytes ?? Math.min(MAX_SEGMENT_BYTES, Math.max(MIN_SEGMENT_BYTES, Math.floor(options.maxBytes / 64)));
    mkdirSync(options.dir, { recursive: true });
    const names = readdirSync(options.dir)
      .filter((name) => SEGMENT_PATTERN.test(name))
      .sort();
    for (const name of names) {
      const path = join(options.dir, name);
      const data = readFileSync(path);
      const { lines, corrupt } = parseRecords(data);
      if (corrupt > 0) {
        this.corrupt += corrupt;
        options.onCorrupt?.(path, corrupt);
      }
      this.segments.push({ seq: Number(SEGMENT_PATTERN.exec(name)![1]), path, bytes: data.length, lines: lines.length });
      this.totalBytes += data.length;
      this.totalLines += lines.length;
    }
  }

  /** Lines waiting on disk. */
  get size(): number {
    return this.totalLines - this.headOffset;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Torn or corrupt records skipped since start. */
  get corruptRecords(): number {
    return this.corrupt;
  }

  /** Appends lines after every line already stored. Returns the lines dropped to do so (never throws). */
  append(lines: string[]): DroppedLines[] {
    const drops: DroppedLines[] = [];
    const add = (reason: DropReason, count: number, detail?: string): void => {
      if (count > 0) {
        drops.push({ reason, count, ...(detail ? { detail } : {}) });
      }
    };
    for (const record of this.records(lines)) {
      for (;;) {
        try {
          this.write(record);
          break;
        } catch (error) {
          // A full disk makes room by dropping the oldest segment, while there is one.
          if (isDiskFull(error) && this.segments.length > 0) {
            add('disk_full', this.dropHead());
            continue;
          }
          add(isDiskFull(error) ? 'disk_full' : 'spill_error', record.lines, isDiskFull(error) ? undefined : (error as Error).message);
          break;
        }
      }
    }
    add('buffer_full', this.enforceBound());
    return drops;
  }

  /** Removes and returns up to max of the oldest lines. */
  take(max: number): string[] {
    const taken: string[] = [];
    while (taken.length < max && this.segments.length > 0) {
      if (!this.headLines) {
        let data: Buffer;
        try {
          data = readFileSync(this.segments[0]!.path);
        } catch {
          data = Buffer.alloc(0);
        }
        this.headLines = parseRecords(data).lines;
        this.headOffset = 0;
      }
      const chunk = this.headLines.slice(this.headOffset, this.headOffset + (max - taken.length));
      taken.push(...chunk);
      this.headOffset += chunk.length;
      if (this.headOffset >= this.headLines.length) {
        this.dropHead();
      }
    }
    return taken;
  }

  /** Lines cut into records no larger than a segment (a record never spans two). */
  private *records(lines: string[]): Generator<{ data: Buffer; lines: number }> {
    let start = 0;
    let bytes = HEADER_BYTES;
    for (let i = 0; i < lines.length; i++) {
      const lineBytes = Buffer.byteLength(lines[i]!) + 1;
      if (i > start && bytes + lineBytes > this.segmentBytes) {
        yield { data: frameRecord(lines.slice(start, i)), lines: i - start };
        start = i;
        bytes = HEADER_BYTES;
      }
      bytes += lineBytes;
    }
    if (start < lines.length) {
      yield { data: frameRecord(lines.slice(start)), lines: lines.length - start };
    }
  }

  /** Writes one record durably at the end of the tail segment, or throws with the segment as it was. */
  private write(record: { data: Buffer; lines: number }): void {
    let tail = this.segments.at(-1);
    // Never append to the segment being read: its lines are already in memory.
    const fresh = !tail || tail.bytes + record.data.length > this.segmentBytes || (this.segments.length === 1 && this.headLines !== null);
    if (fresh) {
      const seq = (tail?.seq ?? 0) + 1;
      tail = { seq, path: join(this.options.dir, `segment-${String(seq).padStart(12, '0')}.spill`), bytes: 0, lines: 0 };
    }
    const fd = openSync(tail!.path, 'a');
    const before = fstatSync(fd).size;
    try {
      let written = 0;
      while (written < record.data.length) {
        written += writeSync(fd, record.data, written);
      }
      fdatasyncSync(fd);
    } catch (error) {
      // Leave no torn record behind: the next append would follow it.
      try {
        ftruncateSync(fd, before);
      } catch {
        // the skipped-record check on reading covers it
      }
      closeSync(fd);
      if (fresh) {
        unlinkSync(tail!.path);
      }
      throw error;
    }
    closeSync(fd);
    if (fresh) {
      this.syncFolder();
      this.segments.push(tail!);
    }
    tail!.bytes += record.data.length;
    tail!.lines += record.lines;
    this.totalBytes += record.data.length;
    this.totalLines += record.lines;
  }

  private syncFolder(): void {
    const fd = openSync(this.options.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Deletes the oldest segment; returns how many of its lines were not taken. */
  private dropHead(): number {
    const head = this.segments.shift()!;
    try {
      unlinkSync(head.path);
    } catch {
      // already gone: nothing left to free
    }
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
