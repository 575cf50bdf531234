import { DataSourceJsonData } from '@grafana/data';
import type { DataSourceWithBackend } from '@grafana/runtime';
import { DataQuery } from '@grafana/schema';

/** Version of the query model this frontend writes (docs/PLUGIN-API.md). */
export const SCHEMA_VERSION = 1;

export type QueryType = 'metrics' | 'devices' | 'fleet' | 'raw' | 'variable' | 'events';

/** The per-device measurements a devices query reads (vm_disk, vm_interface). */
export type DeviceKind = 'disk' | 'interface';

/** The lifecycle events of measurement vm_event (docs/CONTRACT.md). */
export const EVENT_NAMES = [
  'defined',
  'undefined',
  'started',
  'suspended',
  'resumed',
  'stopped',
  'shutdown',
  'pmsuspended',
  'crashed',
  'rebooted',
] as const;

/** One of the dashboard's ad hoc filters, as the backend applies it (host or vm). */
export interface AdhocFilter {
  key: string;
  operator: string;
  value: string;
}
export type VmMode = 'all' | 'list' | 'regex';
export type Output = 'value' | 'rate' | 'per_second' | 'age';
export type Aggregation = 'mean' | 'last' | 'max' | 'min';
export type VariableName = 'vm' | 'host';

/** A panel query, schemaVersion 1 of docs/PLUGIN-API.md. */
export interface VmQuery extends DataQuery {
  schemaVersion: number;
  queryType: QueryType;
  vmMode: VmMode;
  vms: string[];
  vmRegex: string;
  host: string;
  metrics: string[];
  outputs: Output[];
  rateScales: Record<string, number>;
  gapLimitSeconds: number;
  /** Rate window W in seconds: rates compare each sample with the newest one at or before W earlier; 0 = adjacent samples. */
  rateWindowSeconds: number;
  aggregation: Aggregation;
  rawQuery: string;
  live: boolean;
  liveIntervalMs: number;
  /** Only for queryType "variable". */
  variable?: VariableName;
  /** Only for queryType "events": event names to keep; empty or absent: all. */
  events?: string[];
  /** Only for queryType "devices": which per-device measurement. */
  deviceKind?: DeviceKind;
  /** Only for queryType "devices": device names (vda, vnet0, ...) to keep; empty or absent: all. */
  devices?: string[];
  /** Series name pattern: {{vm}}, {{host}}, {{uuid}}, {{field}}, {{device}}, {{interface}}. */
  alias?: string;
  /** The dashboard's ad hoc filters, copied in by applyTemplateVariables. */
  adhocFilters?: AdhocFilter[];
}

/** The query a variable of this data source stores. */
export interface VmVariableQuery extends DataQuery {
  variable: VariableName;
  host?: string;
}

export type AuthType = 'none' | 'token' | 'basic';
export type QueryLanguage = 'influxql' | 'flux';

/** jsonData of the data source settings (docs/PLUGIN-API.md). */
export interface VmDataSourceOptions extends DataSourceJsonData {
  authType?: AuthType;
  username?: string;
  database?: string;
  retentionPolicy?: string;
  measurement?: string;
  queryLanguage?: QueryLanguage;
  organization?: string;
  bucket?: string;
  /** InfluxDB holds the rollups (1 and 10 minutes) of docs/CONTRACT.md. */
  rollups?: boolean;
  rollupBucket?: string;
  timeoutSeconds?: number;
  tlsSkipVerify?: boolean;
  tlsWithCACert?: boolean;
  streamIntervalMs?: number;
}

/**
 * Any data source of this plugin, for the modules that datasource.ts itself
 * imports (variables.ts, VariableQueryEditor): naming its class there would be
 * an import cycle.
 */
export type VmDataSourceApi = DataSourceWithBackend<VmQuery, VmDataSourceOptions>;

/** Settings that Grafana stores encrypted and never sends back to the browser. */
export interface VmSecureJsonData {
  token?: string;
  password?: string;
  tlsCACert?: string;
}

/**
 * One VM as the backend's `vms` resource lists it: a VM is its name on its host;
 * `ref` ("<host>/<name>") names it in a query's `vms` list.
 */
export interface VmInfo {
  name: string;
  host: string;
  uuid: string;
  ref: string;
  lastSeen: string;
}

/** One metric as the backend's `metrics` resource lists it. */
export interface MetricInfo {
  name: string;
  unit: string;
  kind: 'gauge' | 'counter';
  defaultScale: number;
}
