// The writer's backlog: lines of line protocol in the order they were
// sampled. Bounded in memory; past the bound the oldest lines move to the
// spill store when one is configured, or are dropped and counted.

import type { DropReason, DroppedLines, SpillStore } from './spill-store.js';

export interface PointQueueOptions {
  maxMemoryLines: number;
  spill?: SpillStore | undefined;
  /** Called with the count of lines dropped: to stay within the bounds, or because the spill folder failed. */
  onDrop: (count: number, reason: DropReason, detail?: string) => void;
}

export class PointQueue {
  /** Chunks of lines in sampling order; the first chunk starts at headOffset. */
  private readonly chunks: string[][] = [];
  private headOffset = 0;
  private memoryLines = 0;

  constructor(private readonly options: PointQueueOptions) {}

  /** Lines waiting, in memory and on disk. */
  get size(): number {
    return this.memoryLines + (this.options.spill?.size ?? 0);
  }

  push(lines: string[]): void {
    if (lines.length === 0) {
      return;
    }
    this.chunks.push(lines);
    this.memoryLines += lines.length;
    let dropped = 0;
    while (this.memoryLines > this.options.maxMemoryLines) {
      const oldest = this.shiftChunk();
      if (this.options.spill) {
        this.report(this.options.spill.append(oldest));
      } else {
        const excess = this.memoryLines + oldest.length - this.options.maxMemoryLines;
        dropped += Math.min(excess, oldest.length);
        const kept = oldest.slice(excess);
        if (kept.length > 0) {
          this.unshiftChunk(kept);
        }
      }
    }
    if (dropped > 0) {
      this.options.onDrop(dropped, 'buffer_full');
    }
  }

  /** Removes and returns up to max of the oldest lines (disk before memory: disk holds older ones). */
  take(max: number): string[] {
    const taken = this.options.spill && this.options.spill.size > 0 ? this.options.spill.take(max) : [];
    while (taken.length < max && this.chunks.length > 0) {
      const head = this.chunks[0]!;
      const part = head.slice(this.headOffset, this.headOffset + (max - taken.length));
      taken.push(...part);
      this.headOffset += part.length;
      this.memoryLines -= part.length;
      if (this.headOffset >= head.length) {
        this.chunks.shift();
        this.headOffset = 0;
      }
    }
    return taken;
  }

  /**
   * Moves `first` and then every line held in memory to the spill store (at
   * shutdown). Returns how many moved; 0 without a spill store.
   */
  spillAll(first: string[]): number {
    if (!this.options.spill) {
      return 0;
    }
    let moved = first.length;
    this.report(this.options.spill.append(first));
    while (this.chunks.length > 0) {
      const chunk = this.shiftChunk();
      moved += chunk.length;
      this.report(this.options.spill.append(chunk));
    }
    return moved;
  }

  private report(drops: DroppedLines[]): void {
    for (const { count, reason, detail } of drops) {
      this.options.onDrop(count, reason, detail);
    }
  }

  private shiftChunk(): string[] {
    const head = this.chunks.shift()!;
    const rest = this.headOffset > 0 ? head.slice(this.headOffset) : head;
    this.headOffset = 0;
    this.memoryLines -= rest.length;
    return rest;
  }

  private unshiftChunk(lines: string[]): void {
    this.chunks.unshift(lines);
    this.memoryLines += lines.length;
  }
}
