import catalog from '../pkg/models/metrics.json';
import { DeviceKind, MetricInfo } from './types';

// pkg/models/metrics.json is the one list of the contract's numeric
// vm_telemetry fields: the backend embeds it and serves it as the `metrics`
// resource, and this frontend bundles it.

/**
 * The metrics as the backend's `metrics` resource lists them. The editor uses
 * this list when the resource cannot be reached, so that a query can still be
 * edited.
 */
export const STATIC_METRICS: MetricInfo[] = catalog.metrics.map(toMetricInfo);

/**
 * The VM's state, which a metrics query may name beside the numeric metrics: the
 * backend answers libvirt's state code with value mappings to the names.
 */
export const STATE_METRIC: MetricInfo = { name: catalog.state.field, unit: '', kind: 'gauge', defaultScale: 1 };

/** The metrics a query gets when it names none (the backend's default too). */
export const DEFAULT_METRICS: readonly string[] = catalog.defaultMetrics;

/** The metrics of each per-device measurement and the ones a devices query gets when it names none. */
export const DEVICE_KINDS: Record<DeviceKind, { label: string; metrics: MetricInfo[]; defaultMetrics: string[] }> = {
  disk: {
    label: 'Disks',
    metrics: catalog.devices.disk.metrics.map(toMetricInfo),
    defaultMetrics: catalog.devices.disk.defaultMetrics,
  },
  interface: {
    label: 'Interfaces',
    metrics: catalog.devices.interface.metrics.map(toMetricInfo),
    defaultMetrics: catalog.devices.interface.defaultMetrics,
  },
};

function toMetricInfo({
  name,
  unit,
  kind,
  defaultScale,
}: {
  name: string;
  unit: string;
  kind: string;
  defaultScale: number;
}): MetricInfo {
  return { name, unit, kind: kind === 'counter' ? 'counter' : 'gauge', defaultScale };
}
