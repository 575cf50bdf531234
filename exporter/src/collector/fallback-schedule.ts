// Which VMs get their per-domain calls in a round: each VM once every
// `every` rounds, at an offset of its own (from its UUID), so a host's VMs
// are spread evenly over the rounds instead of all read in one. Rounds are
// counted on the wall clock (round start / interval), so a round skipped by
// an overrun moves a VM's read to the next round, not a whole period later.

export class FallbackSchedule {
  /** Per domain run: the last period (of `every` rounds, from its offset) it was read in. */
  private readonly lastPeriod = new Map<string, number>();

  /** every: rounds between two reads of a VM (1: every round). */
  constructor(private readonly every: number) {}

  /**
   * Whether the domain run `key` (of this UUID) is read in the round numbered
   * `round`; it counts as read when it is. A domain seen for the first time
   * waits for its offset.
   */
  due(key: string, uuid: string, round: number): boolean {
    const shifted = round - (offsetOf(uuid) % this.every);
    const period = Math.floor(shifted / this.every);
    const last = this.lastPeriod.get(key);
    if (last === undefined ? shifted % this.every !== 0 : period <= last) {
      return false;
    }
    this.lastPeriod.set(key, period);
    return true;
  }

  /** Notes a read outside the schedule (a probe), so the next one keeps the spacing. */
  read(key: string, uuid: string, round: number): void {
    this.lastPeriod.set(key, Math.floor((round - (offsetOf(uuid) % this.every)) / this.every));
  }

  /** Forgets domain runs not in `current`. */
  keepOnly(current: Set<string>): void {
    for (const key of this.lastPeriod.keys()) {
      if (!current.has(key)) {
        this.lastPeriod.delete(key);
      }
    }
  }
}

/** FNV-1a of the UUID's characters: a stable, evenly spread offset. */
function offsetOf(uuid: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < uuid.length; i++) {
    hash = Math.imul(hash ^ uuid.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}
