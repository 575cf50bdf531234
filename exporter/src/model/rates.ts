// The rate formula of docs/CONTRACT.md ("Derived fields"): the angle of a
// series' slope in degrees, and for byte counters the non-negative
// per-second derivative. The data source backend implements the same
// formula in Go; both are tested against testdata/rate-vectors.json.

/** One observation: time in seconds, value or null when absent. */
export interface TimedValue {
  t: number;
  v: number | null;
}

export interface RateOptions {
  /** Values are divided by this before the slope is taken (1 MiB for byte counters). */
  scale: number;
  /** A counter that goes down (VM restart) gives null instead of a negative spike. */
  counter: boolean;
  /** A step longer than this many seconds gives null; null = no limit. */
  gapLimitSeconds: number | null;
}

/** Bytes per MiB: the contract's default scale of byte counters. */
export const MIB = 1024 * 1024;

function stepSeconds(previous: TimedValue, current: TimedValue, options: RateOptions): number | null {
  if (previous.v === null || current.v === null) return null;
  const dt = current.t - previous.t;
  if (!(dt > 0)) return null;
  if (options.gapLimitSeconds !== null && dt > options.gapLimitSeconds) return null;
  if (options.counter && current.v < previous.v) return null;
  return dt;
}

/** atan(Δ(v/scale)/Δt) in degrees, or null where the contract says so. */
export function rateDegrees(previous: TimedValue | undefined, current: TimedValue, options: RateOptions): number | null {
  if (previous === undefined) return null;
  const dt = stepSeconds(previous, current, options);
  if (dt === null) return null;
  const slope = (current.v! / options.scale - previous.v! / options.scale) / dt;
  return (Math.atan(slope) * 180) / Math.PI;
}

/** Δv/Δt of a counter (bytes/s), or null where the contract says so. */
export function perSecond(previous: TimedValue | undefined, current: TimedValue, options: RateOptions): number | null {
  if (previous === undefined) return null;
  const dt = stepSeconds(previous, current, { ...options, counter: true });
  if (dt === null) return null;
  return (current.v! - previous.v!) / dt;
}
