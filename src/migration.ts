import { DEFAULT_METRICS } from './metrics';
import { Aggregation, Output, QueryType, SCHEMA_VERSION, VmMode, VmQuery } from './types';

export const DEFAULT_OUTPUTS: Output[] = ['value', 'rate', 'per_second'];

/** A new query as the editor starts it. */
export const DEFAULT_QUERY: Omit<VmQuery, 'refId'> = {
  schemaVersion: SCHEMA_VERSION,
  queryType: 'metrics',
  vmMode: 'all',
  vms: [],
  vmRegex: '',
  host: '',
  metrics: ['cpu_usage_percent', 'memory_usage_percent'],
  outputs: [...DEFAULT_OUTPUTS],
  rateScales: {},
  gapLimitSeconds: 0,
  rateWindowSeconds: 0,
  aggregation: 'mean',
  rawQuery: '',
  live: false,
  liveIntervalMs: 0,
};

/** The keys of the earliest saved form of a query (schemaVersion 0). */
interface Version0Fields {
  vm?: unknown;
  metric?: unknown;
  rate?: unknown;
}

type StoredQuery = Partial<VmQuery> & Version0Fields & { refId: string };

/**
 * migrateQuery turns a query as Grafana stored it (any schema version this
 * plugin ever wrote) into a complete schemaVersion 1 query. Version 0 is
 * `{vm, metric, rate}`; keys of version 1 that the query also carries win,
 * as in the backend's migration.
 */
export function migrateQuery(stored: StoredQuery): VmQuery {
  const { vm, metric, rate, ...rest } = stored;
  const query: Partial<VmQuery> & { refId: string } = { ...rest };
  if (!query.schemaVersion) {
    if (typeof vm === 'string' && !query.vmMode && !query.vms?.length) {
      if (vm === '' || vm === '*') {
        query.vmMode = 'all';
      } else {
        query.vmMode = 'list';
        query.vms = [vm];
      }
    }
    if (typeof metric === 'string' && metric !== '' && !query.metrics?.length) {
      query.metrics = [metric];
    }
    if (rate === false && !query.outputs?.length) {
      query.outputs = ['value'];
    }
  }
  return withDefaults(query);
}

function withDefaults(query: Partial<VmQuery> & { refId: string }): VmQuery {
  return {
    ...query,
    refId: query.refId,
    schemaVersion: SCHEMA_VERSION,
    queryType: (query.queryType as QueryType) || 'metrics',
    vmMode: (query.vmMode as VmMode) || 'all',
    vms: query.vms ?? [],
    vmRegex: query.vmRegex ?? '',
    host: query.host ?? '',
    // Missing lists get the defaults; an empty list that the editor left is kept, so the
    // editor shows it as the user left it (the backend reads empty metrics as the defaults).
    metrics: query.metrics ?? [...DEFAULT_METRICS],
    outputs: query.outputs ?? [...DEFAULT_OUTPUTS],
    rateScales: query.rateScales ?? {},
    gapLimitSeconds: query.gapLimitSeconds ?? 0,
    rateWindowSeconds: query.rateWindowSeconds ?? 0,
    aggregation: (query.aggregation as Aggregation) || 'mean',
    rawQuery: query.rawQuery ?? '',
    live: query.live ?? false,
    liveIntervalMs: query.liveIntervalMs ?? 0,
  };
}
