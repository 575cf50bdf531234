import { MetricInfo } from './types';

const MEBIBYTE = 1048576;

/**
 * The contract's numeric vm_telemetry fields, as the backend's `metrics`
 * resource lists them. The editor uses this list when the resource cannot be
 * reached, so that a query can still be edited.
 */
export const STATIC_METRICS: MetricInfo[] = [
  { name: 'cpu_usage_percent', unit: 'percent', kind: 'gauge', defaultScale: 1 },
  { name: 'memory_usage_percent', unit: 'percent', kind: 'gauge', defaultScale: 1 },
  { name: 'memory_total_bytes', unit: 'bytes', kind: 'gauge', defaultScale: MEBIBYTE },
  { name: 'memory_used_bytes', unit: 'bytes', kind: 'gauge', defaultScale: MEBIBYTE },
  { name: 'disk_read_bytes', unit: 'bytes', kind: 'counter', defaultScale: MEBIBYTE },
  { name: 'disk_write_bytes', unit: 'bytes', kind: 'counter', defaultScale: MEBIBYTE },
  { name: 'network_rx_bytes', unit: 'bytes', kind: 'counter', defaultScale: MEBIBYTE },
  { name: 'network_tx_bytes', unit: 'bytes', kind: 'counter', defaultScale: MEBIBYTE },
  { name: 'vcpus', unit: '', kind: 'gauge', defaultScale: 1 },
  { name: 'domain_id', unit: '', kind: 'gauge', defaultScale: 1 },
];

/** The metrics a query gets when it names none (the backend's default too). */
export const DEFAULT_METRICS = [
  'cpu_usage_percent',
  'memory_usage_percent',
  'disk_read_bytes',
  'disk_write_bytes',
  'network_rx_bytes',
  'network_tx_bytes',
  'memory_used_bytes',
  'memory_total_bytes',
];
