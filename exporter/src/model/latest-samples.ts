// The newest samples of each VM, for the seed-compatible JSON: per field the
// last two samples that held it (values of the newest, rates from the pair).
// Per field, because a field read by per-domain calls arrives only every N s
// (docs/CONTRACT.md, --libvirt-fallback-interval): the VM's newest sample may
// not hold it. Values are kept within one run of the domain (its id). VMs
// not in the newest round are gone.

import type { VmSample } from './sample.js';

export interface SamplePair {
  previous: VmSample | undefined;
  latest: VmSample;
}

export interface VmSamples {
  /** The VM's newest sample. */
  latest: VmSample;
  /** Per field of VmSample, the last two samples that held it. */
  fields: Map<keyof VmSample, SamplePair>;
}

/** A field whose newest value is older than this, next to the VM's newest sample, is dropped. */
export const FIELD_AGE_MS = 60_000;

/** Whether a sample's key holds a measurement (a number), not identity or time. */
function isMeasured(sample: VmSample, key: keyof VmSample): boolean {
  const value = sample[key];
  return key !== 'timeMs' && key !== 'domainId' && (typeof value === 'number' || typeof value === 'bigint');
}

export class LatestSamples {
  private readonly vms = new Map<string, VmSamples>();

  /**
   * Replaces the set of VMs with this round's. Each VM's entry and its pairs
   * are updated in place: rebuilt every round they were thousands of objects
   * a second for the collector to free on a large host.
   */
  update(round: VmSample[]): void {
    const present = new Set<string>();
    for (const sample of round) {
      present.add(sample.uuid);
      let entry = this.vms.get(sample.uuid);
      // Only within one run of the domain: a value of a run that ended (shut off,
      // restarted: a new domain id) is not this run's.
      const sameRun = entry !== undefined && entry.latest.domainId === sample.domainId && sample.domainId >= 0;
      if (entry === undefined || !sameRun) {
        entry = { latest: sample, fields: new Map() };
        this.vms.set(sample.uuid, entry);
      } else {
        entry.latest = sample;
        for (const [field, pair] of entry.fields) {
          if (sample.timeMs - pair.latest.timeMs > FIELD_AGE_MS) {
            entry.fields.delete(field);
          }
        }
      }
      for (const key in sample) {
        const field = key as keyof VmSample;
        if (!isMeasured(sample, field)) {
          continue;
        }
        const pair = entry.fields.get(field);
        if (pair) {
          pair.previous = pair.latest;
          pair.latest = sample;
        } else {
          entry.fields.set(field, { previous: undefined, latest: sample });
        }
      }
    }
    for (const uuid of this.vms.keys()) {
      if (!present.has(uuid)) {
        this.vms.delete(uuid);
      }
    }
  }

  all(): VmSamples[] {
    return [...this.vms.values()];
  }
}
