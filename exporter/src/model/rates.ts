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
  if (previous.v === null || current.v === null) {
    return null;
  }
  const dt = current.t - previous.t;
  if (!(dt > 0)) {
    return null;
  }
  if (options.gapLimitSeconds !== null && dt > options.gapLimitSeconds) {
    return null;
  }
  if (options.counter && current.v < previous.v) {
    return null;
  }
  return dt;
}

/** atan(Δ(v/scale)/Δt) in degrees, or null where the contract says so. */
export function rateDegrees(previous: TimedValue | undefined, current: TimedValue, options: RateOptions): number | null {
  if (previous === undefined) {
    return null;
  }
  const dt = stepSeconds(previous, current, options);
  if (dt === null) {
    return null;
  }
  const slope = (current.v! / options.scale - previous.v! / options.scale) / dt;
  return (Math.atan(slope) * 180) / Math.PI;
}

/** Δv/Δt of a counter (bytes/s), or null where the contract says so. */
export function perSecond(previous: TimedValue | undefined, current: TimedValue, options: RateOptions): number | null {
  if (previous === undefined) {
    return null;
  }
  const dt = stepSeconds(previous, current, { ...options, counter: true });
  if (dt === null) {
    return null;
  }
  return (current.v! - previous.v!) / dt;
}

export interface WindowedRateOptions extends RateOptions {
  /** Compare each sample with the newest one at or before this many seconds earlier; 0 = the sample just before. */
  windowSeconds: number;
}

export interface RateSeries {
  rate: Array<number | null>;
  perSecond: Array<number | null>;
}

/**
 * The rates of a whole series (times ascending), the contract's windowed
 * form: sample i is compared with j, the newest sample that has a value at
 * or before t_i − W (W = 0: the sample just before). Null where there is no
 * such sample, where v_i is null, and where any step from j to i is null on
 * its own (gap, Δt ≤ 0, counter reset). perSecond is (v_i − v_j)/(t_i − t_j)
 * under the same nulls, for gauges and counters alike.
 */
export function rateSeries(series: TimedValue[], options: WindowedRateOptions): RateSeries {
  const rate: Array<number | null> = series.map(() => null);
  const perSecondValues: Array<number | null> = series.map(() => null);
  if (options.windowSeconds <= 0) {
    series.forEach((point, i) => {
      rate[i] = rateDegrees(series[i - 1], point, options);
      const dt = i > 0 ? stepSeconds(series[i - 1]!, point, options) : null;
      perSecondValues[i] = dt === null ? null : (point.v! - series[i - 1]!.v!) / dt;
    });
    return { rate, perSecond: perSecondValues };
  }
  const present = series.flatMap((point, i) => (point.v === null ? [] : [i]));
  // broken[k]: how many of the steps between present samples 0..k are null on their own.
  const broken = present.map(() => 0);
  for (let k = 1; k < present.length; k++) {
    const step = stepSeconds(series[present[k - 1]!]!, series[present[k]!]!, options);
    broken[k] = broken[k - 1]! + (step === null ? 1 : 0);
  }
  let j = -1;
  present.forEach((i, k) => {
    const cutoff = series[i]!.t - options.windowSeconds;
    while (j + 1 < k && series[present[j + 1]!]!.t <= cutoff) {
      j++;
    }
    if (j < 0 || series[present[j]!]!.t > cutoff || broken[k] !== broken[j]) {
      return;
    }
    const reference = series[present[j]!]!;
    const current = series[i]!;
    const dt = current.t - reference.t;
    const slope = (current.v! / options.scale - reference.v! / options.scale) / dt;
    rate[i] = (Math.atan(slope) * 180) / Math.PI;
    perSecondValues[i] = (current.v! - reference.v!) / dt;
  });
  return { rate, perSecond: perSecondValues };
}
