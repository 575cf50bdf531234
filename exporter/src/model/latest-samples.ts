// The last two samples of each VM, for the seed-compatible JSON (values of
// the newest, rates from the pair). VMs not in the newest round are gone.

import type { VmSample } from './sample.js';

export interface SamplePair {
  previous: VmSample | undefined;
  latest: VmSample;
}

export class LatestSamples {
  private pairs = new Map<string, SamplePair>();

  /** Replaces the set of VMs with this round's. */
  update(round: VmSample[]): void {
    const next = new Map<string, SamplePair>();
    for (const sample of round) {
      const before = this.pairs.get(sample.uuid);
      next.set(sample.uuid, { previous: before?.latest, latest: sample });
    }
    this.pairs = next;
  }

  all(): SamplePair[] {
    return [...this.pairs.values()];
  }
}
