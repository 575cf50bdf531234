// What one collection round learned about one domain, in libvirt's units,
// each group optional: a group is absent when neither the bulk call nor the
// per-domain calls gave it this round.

import type { DomainRef } from '../libvirt/index.js';
import type { DiskSample, InterfaceSample } from '../model/sample.js';

export interface MemoryReading {
  availableKiB?: bigint;
  usableKiB?: bigint;
  unusedKiB?: bigint;
  /** Current balloon size (memory given to the guest). */
  actualKiB?: bigint;
}

export interface DomainReading {
  domain: DomainRef;
  /** virDomainState. */
  state: number;
  /** Cumulative guest CPU time and the monotonic time (process.hrtime) it was read at. */
  cpu?: { timeNs: bigint; monoNs: bigint };
  vcpus?: number;
  memory?: MemoryReading;
  disks?: DiskSample[];
  interfaces?: InterfaceSample[];
}

/** The stats groups the collector asks for, by the names it falls back on. */
export type StatsGroupName = 'cpu' | 'vcpu' | 'balloon' | 'block' | 'interface';
