// The sampling loop: every interval, one collection round over all VMs of
// the libvirt connection, turned into the contract's points and handed to
// the writer. Rounds never overlap; a late round skips the ticks it missed.
// Lifecycle events are written as they come, between rounds.

import { hostname } from 'node:os';
import type { Collector } from './collector/collector.js';
import type { LibvirtSession } from './collector/libvirt-session.js';
import type { VmTracker } from './collector/vm-tracker.js';
import { encodePoint, LineProtocolError, type Point } from './influx/line-protocol.js';
import type { PointWriter } from './influx/writer.js';
import type { LibvirtClient } from './libvirt/index.js';
import type { Logger } from './log.js';
import type { ExporterMetrics } from './metrics.js';
import type { VmEvent } from './model/event.js';
import type { LatestSamples } from './model/latest-samples.js';
import { eventPoint, samplePoints } from './model/points.js';
import type { VmSample } from './model/sample.js';

export interface ExporterParts {
  session: LibvirtSession;
  collector: Collector;
  tracker: VmTracker;
  latest: LatestSamples;
  metrics: ExporterMetrics;
  /** Absent in --once mode: samples are printed, not written. */
  writer?: PointWriter | undefined;
  /** The host tag; libvirt's host name when absent. */
  hostOverride?: string | undefined;
  intervalMs: number;
  log: Logger;
}

export class Exporter {
  private readonly hostNames = new WeakMap<LibvirtClient, Promise<string>>();
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private roundFailing = false;

  constructor(private readonly parts: ExporterParts) {}

  /** One collection round. Resolves to this round's samples, or null when libvirt could not be read. */
  async round(): Promise<VmSample[] | null> {
    const { session, collector, tracker, latest, metrics, writer, log } = this.parts;
    const started = process.hrtime.bigint();
    const timeMs = Date.now();
    let client: LibvirtClient;
    try {
      client = await session.get();
    } catch {
      metrics.countLibvirtError('connect');
      metrics.libvirtConnected = false;
      return null;
    }
    metrics.libvirtConnected = true;
    let result;
    try {
      const host = await this.hostName(client);
      result = { host, ...(await collector.collect(client)) };
    } catch (error) {
      session.report(error);
      metrics.libvirtConnected = session.connected;
      metrics.countLibvirtError('round');
      if (!this.roundFailing) {
        log.warn('collection round failed', { error: (error as Error).message });
      }
      this.roundFailing = true;
      return null;
    }
    if (this.roundFailing) {
      log.info('collection rounds work again');
    }
    this.roundFailing = false;

    const samples = tracker.samples(result.readings, result.listed, timeMs, result.host);
    latest.update(samples);
    if (writer) {
      writer.enqueue(this.encode(samples));
    }
    metrics.recordRound(Number(process.hrtime.bigint() - started) / 1e9, samples.length, Date.now());
    metrics.statsGroups = collector.groupSources();
    return samples;
  }

  /** Writes one lifecycle event now, tagged with the host of the connection it came from. */
  async recordEvent(event: VmEvent, client: LibvirtClient): Promise<void> {
    const { writer, metrics, log } = this.parts;
    const host = await this.hostName(client);
    metrics.events++;
    if (event.reconciled) {
      metrics.reconciledEvents++;
    }
    log.debug('domain event', { vm: event.vm, event: event.event, detail: event.detail, reconciled: event.reconciled });
    if (writer) {
      writer.enqueue(this.encodePoints([eventPoint(event, host)], event.vm));
    }
  }

  /**
   * Runs rounds every interval until stop(), each on a multiple of the
   * interval on the wall clock (as Telegraf's round_interval): every exporter
   * of a fleet samples at the same instants, so the data source's live stream
   * reads once just after they all wrote instead of up to an interval later.
   */
  start(): void {
    const { intervalMs, metrics } = this.parts;
    let dueMs = nextTick(Date.now(), intervalMs);
    const tick = (): void => {
      // Node arms a timer from the event loop's cached time, which lags the wall
      // clock by the work done since the loop last woke (much of it on a loaded
      // host): the timer can fire before dueMs. A round started then would have
      // the previous round's number on the wall clock, and the collector would
      // skip its per-domain reads as already done in that round.
      const early = dueMs - Date.now();
      if (early > 0) {
        this.timer = setTimeout(tick, early);
        return;
      }
      this.current = this.round().finally(() => {
        if (this.timer === null) {
          return;
        }
        const now = Date.now();
        const next = nextRound(dueMs, now, intervalMs);
        if (next.overrun) {
          metrics.overruns++;
        }
        dueMs = next.dueMs;
        this.timer = setTimeout(tick, dueMs - now);
      });
    };
    this.timer = setTimeout(tick, dueMs - Date.now());
  }

  /** Stops scheduling and waits for a round in progress. */
  async stop(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.timer = null;
    await this.current;
  }

  health(): { ok: boolean; details: object } {
    const { metrics, intervalMs, writer, session } = this.parts;
    const ageMs = metrics.lastCollectionAtMs ? Date.now() - metrics.lastCollectionAtMs : null;
    const fresh = ageMs !== null && ageMs <= Math.max(10_000, 5 * intervalMs);
    const stats = writer?.stats;
    return {
      ok: session.connected && fresh,
      details: {
        libvirtConnected: session.connected,
        lastCollectionAgeSeconds: ageMs === null ? null : ageMs / 1000,
        vms: metrics.vms,
        influxWriting: stats ? !stats.failing : null,
        pointsBuffered: stats?.buffered ?? 0,
      },
    };
  }

  private encode(samples: VmSample[]): string[] {
    return samples.flatMap((sample) => this.encodePoints(samplePoints(sample), sample.vm));
  }

  private encodePoints(points: Point[], vm: string): string[] {
    const lines: string[] = [];
    for (const point of points) {
      try {
        lines.push(encodePoint(point));
      } catch (error) {
        if (!(error instanceof LineProtocolError)) {
          throw error;
        }
        this.parts.log.error('a point cannot be encoded and is left out', { vm, error: error.message });
      }
    }
    return lines;
  }

  /** Cached per connection as a promise, so events and a round arriving together ask once. */
  private hostName(client: LibvirtClient): Promise<string> {
    if (this.parts.hostOverride) {
      return Promise.resolve(this.parts.hostOverride);
    }
    let name = this.hostNames.get(client);
    if (name === undefined) {
      name = client.getHostname().catch(() => hostname());
      this.hostNames.set(client, name);
    }
    return name;
  }
}

/** The first multiple of intervalMs after nowMs (Unix time). */
export function nextTick(nowMs: number, intervalMs: number): number {
  return (Math.floor(nowMs / intervalMs) + 1) * intervalMs;
}

/**
 * When the round after the one due at dueMs starts, that round having ended
 * at nowMs: one interval later, or, when the round outlasted that (an
 * overrun) or the clock stepped back, the next tick after now.
 */
export function nextRound(dueMs: number, nowMs: number, intervalMs: number): { dueMs: number; overrun: boolean } {
  const next = dueMs + intervalMs;
  if (next <= nowMs) {
    return { dueMs: nextTick(nowMs, intervalMs), overrun: true };
  }
  if (next - nowMs > intervalMs) {
    return { dueMs: nextTick(nowMs, intervalMs), overrun: false };
  }
  return { dueMs: next, overrun: false };
}
