import catalog from '../pkg/models/metrics.json';
import { MetricInfo } from './types';

// pkg/models/metrics.json is the one list of the contract's numeric
// vm_telemetry fields: the backend embeds it and serves it as the `metrics`
// resource, and this frontend bundles it.

/**
 * The metrics as the backend's `metrics` resource lists them. The editor uses
 * this list when the resource cannot be reached, so that a query can still be
 * edited.
 */
export const STATIC_METRICS: MetricInfo[] = catalog.metrics.map(({ name, unit, kind, defaultScale }) => ({
  name,
  unit,
  kind: kind === 'counter' ? 'counter' : 'gauge',
  defaultScale,
}));

/** The metrics a query gets when it names none (the backend's default too). */
export const DEFAULT_METRICS: readonly string[] = catalog.defaultMetrics;
