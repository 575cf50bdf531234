// The exporter's own health figures, rendered in the Prometheus text
// exposition format for /metrics.

import type { LibvirtErrorKind } from './collector/collector.js';
import { GROUP_SOURCES, type GroupState } from './collector/group-sources.js';
import type { DropReason } from './influx/spill-store.js';
import type { WriterStats } from './influx/writer.js';

export type LibvirtFailureKind = LibvirtErrorKind | 'connect' | 'round' | 'events';

export class ExporterMetrics {
  samplesCollected = 0;
  rounds = 0;
  /** Rounds that started late because the previous one overran the interval. */
  overruns = 0;
  collectionSecondsSum = 0;
  lastCollectionSeconds = 0;
  /** Wall-clock time of the last successful round, ms since the epoch; 0 before the first. */
  lastCollectionAtMs = 0;
  vms = 0;
  /** Lines dropped by the bounded buffer and the spill folder, by reason. */
  readonly dropped = new Map<DropReason, number>();
  /** Torn or corrupt spill records skipped on reading. */
  spillCorruptRecords = 0;
  libvirtConnected = false;
  /** Lifecycle events recorded: announced by libvirt, or reconciled after a reconnect. */
  events = 0;
  reconciledEvents = 0;
  /** Per stats group, where it comes from and when that was probed. */
  statsGroups: GroupState[] = [];
  /** How often a VM's per-domain calls are made, for the groups read that way. */
  fallbackIntervalSeconds = 0;
  readonly libvirtErrors = new Map<LibvirtFailureKind, number>();

  countDropped(reason: DropReason, count: number): number {
    const total = (this.dropped.get(reason) ?? 0) + count;
    this.dropped.set(reason, total);
    return total;
  }

  countLibvirtError(kind: LibvirtFailureKind): void {
    this.libvirtErrors.set(kind, (this.libvirtErrors.get(kind) ?? 0) + 1);
  }

  recordRound(seconds: number, vms: number, atMs: number): void {
    this.rounds++;
    this.collectionSecondsSum += seconds;
    this.lastCollectionSeconds = seconds;
    this.lastCollectionAtMs = atMs;
    this.vms = vms;
    this.samplesCollected += vms;
  }

  render(writer: WriterStats | undefined): string {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, samples: Array<[string, number]>): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      // `suffix` is a label set ('{kind="x"}') or a summary part ('_sum').
      for (const [suffix, value] of samples) {
        out.push(`${name}${suffix} ${value}`);
      }
    };
    metric('vmt_samples_collected_total', 'counter', 'VM samples collected from libvirt.', [['', this.samplesCollected]]);
    metric('vmt_points_written_total', 'counter', 'Points written to InfluxDB.', [['', writer?.written ?? 0]]);
    metric('vmt_points_buffered', 'gauge', 'Points waiting to be written (memory and disk).', [['', writer?.buffered ?? 0]]);
    metric('vmt_points_dropped_total', 'counter', 'Points dropped: buffer bound reached, spill disk full, spill write error, or refused by InfluxDB.', [
      ...(['buffer_full', 'disk_full', 'spill_error'] as DropReason[]).map((reason): [string, number] => [`{reason="${reason}"}`, this.dropped.get(reason) ?? 0]),
      ['{reason="rejected"}', writer?.rejected ?? 0],
    ]);
    metric('vmt_spill_corrupt_records_total', 'counter', 'Torn or corrupt records of the spill folder skipped on reading.', [['', this.spillCorruptRecords]]);
    metric('vmt_influx_write_errors_total', 'counter', 'Failed write requests to InfluxDB (retried).', [['', writer?.writeErrors ?? 0]]);
    metric('vmt_influx_up', 'gauge', '1 while writes to InfluxDB succeed.', [['', writer && !writer.failing ? 1 : 0]]);
    metric('vmt_collection_duration_seconds', 'summary', 'Time of a collection round over all VMs.', [
      ['_sum', this.collectionSecondsSum],
      ['_count', this.rounds],
    ]);
    metric('vmt_last_collection_duration_seconds', 'gauge', 'Time of the last collection round.', [['', this.lastCollectionSeconds]]);
    metric('vmt_last_collection_timestamp_seconds', 'gauge', 'When the last collection round ended.', [['', this.lastCollectionAtMs / 1000]]);
    metric('vmt_collection_overruns_total', 'counter', 'Rounds that took longer than the interval.', [['', this.overruns]]);
    metric('vmt_vms', 'gauge', 'VMs in the last round.', [['', this.vms]]);
    metric(
      'vmt_stats_group_source',
      'gauge',
      'Where each libvirt stats group comes from, 1 for its source: bulk (the one bulk call per round), domain (per-domain calls, each VM every vmt_stats_fallback_interval_seconds), none (the driver gives it neither way), unknown (not probed yet: no running VM).',
      this.statsGroups.flatMap(({ group, source }) =>
        GROUP_SOURCES.map((s): [string, number] => [`{group="${group}",source="${s}"}`, s === source ? 1 : 0])
      )
    );
    metric(
      'vmt_stats_group_probed_timestamp_seconds',
      'gauge',
      "When each stats group's source was last probed (on every new libvirt connection and every 5 minutes); 0 before.",
      this.statsGroups.map(({ group, probedAtMs }) => [`{group="${group}"}`, probedAtMs / 1000])
    );
    metric('vmt_stats_fallback_interval_seconds', 'gauge', "How often a VM's groups of source domain are read.", [['', this.fallbackIntervalSeconds]]);
    metric('vmt_domain_events_total', 'counter', 'Domain lifecycle events recorded (vm_event).', [
      ['{source="libvirt"}', this.events - this.reconciledEvents],
      ['{source="reconciled"}', this.reconciledEvents],
    ]);
    metric('vmt_libvirt_connected', 'gauge', '1 while the libvirt connection is open.', [['', this.libvirtConnected ? 1 : 0]]);
    metric(
      'vmt_libvirt_errors_total',
      'counter',
      'libvirt failures: connect, round (a whole round failed), timeout, vanished (VM gone mid-round), call, events (registering for events).',
      (['connect', 'round', 'timeout', 'vanished', 'call', 'events'] as LibvirtFailureKind[]).map((kind) => [
        `{kind="${kind}"}`,
        this.libvirtErrors.get(kind) ?? 0,
      ])
    );
    return out.join('\n') + '\n';
  }
}
