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

/** The fields a sample holds that are measurements (numbers), not identity or time. */
function measuredFields(sample: VmSample): Array<keyof VmSample> {
  return (Object.keys(sample) as Array<keyof VmSample>).filter((key) => {
    const value = sample[key];
    return key !== 'timeMs' && key !== 'domainId' && (typeof value === 'number' || typeof value === 'bigint');
  });
}

export class LatestSamples {
  private vms = new Map<string, VmSamples>();

  /** Replaces the set of VMs with this round's. */
  update(round: VmSample[]): void {
    const next = new Map<string, VmSamples>();
    for (const sample of round) {
      const fields = new Map<keyof VmSample, SamplePair>();
      const before = this.vms.get(sample.uuid);
      // Only within one run of the domain: a value of a run that ended (shut off,
      // restarted: a new domain id) is not this run's.
      const sameRun = before !== undefined && before.latest.domainId === sample.domainId && sample.domainId >= 0;
      for (const [field, pair] of sameRun ? before.fields : []) {
        if (sample.timeMs - pair.latest.timeMs <= FIELD_AGE_MS) {
          fields.set(field, pair);
        }
      }
      for (const field of measuredFields(sample)) {
        fields.set(field, { previous: fields.get(field)?.latest, latest: sample });
      }
      next.set(sample.uuid, { latest: sample, fields });
    }
    this.vms = next;
  }

  all(): VmSamples[] {
    return [...this.vms.values()];
  }
}
