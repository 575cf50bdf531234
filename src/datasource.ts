import {
  AdHocVariableFilter,
  CoreApp,
  DataQueryRequest,
  DataQueryError,
  DataQueryResponse,
  DataSourceInstanceSettings,
  LiveChannelScope,
  LoadingState,
  MetricFindValue,
  ScopedVars,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';
import { merge, Observable, of } from 'rxjs';

import { regexAlternation } from './escape';
import { fleetLiveStream } from './liveFrames';
import { DEFAULT_METRICS, STATIC_METRICS } from './metrics';
import { DEFAULT_QUERY, migrateQuery } from './migration';
import { interpolateRawQuery } from './rawQuery';
import { streamData, streamPath } from './streamKey';
import { AdhocFilter, MetricInfo, VmDataSourceOptions, VmInfo, VmQuery } from './types';
import { validateQuery } from './validation';
import { VmVariableSupport } from './variables';

/** Live interval when neither the query nor the data source sets one. */
const DEFAULT_STREAM_INTERVAL_MS = 1000;

/** A `vms` entry that is exactly one variable reference, to be expanded into its values. */
const WHOLE_VARIABLE_REFERENCE = /^(?:\$\w+|\$\{\w+\}|\[\[\w+\]\])$/;

export class DataSource extends DataSourceWithBackend<VmQuery, VmDataSourceOptions> {
  private readonly streamIntervalMs: number;

  constructor(instanceSettings: DataSourceInstanceSettings<VmDataSourceOptions>) {
    super(instanceSettings);
    this.streamIntervalMs = instanceSettings.jsonData.streamIntervalMs || DEFAULT_STREAM_INTERVAL_MS;
    this.variables = new VmVariableSupport(this);
    // Annotations are backend queries of type "events", edited with the
    // plugin's QueryEditor; Grafana turns their frames into annotations.
    this.annotations = {
      getDefaultQuery: () => ({ ...DEFAULT_QUERY, queryType: 'events' }),
    };
  }

  /** Tags the dashboard's ad hoc filters can name: the ones every series carries. */
  async getTagKeys(): Promise<MetricFindValue[]> {
    return [{ text: 'host' }, { text: 'vm' }];
  }

  /** Values of an ad hoc filter's tag, from the VMs the backend sees. */
  async getTagValues(options: { key: string }): Promise<MetricFindValue[]> {
    if (options.key !== 'host' && options.key !== 'vm') {
      return [];
    }
    const vms = await this.getVms();
    const values = vms.map((vm) => (options.key === 'host' ? vm.host : vm.name));
    return [...new Set(values)].sort().map((text) => ({ text }));
  }

  /** Explore and "Explore" from a panel: the queries with their variables written in. */
  interpolateVariablesInQueries(
    queries: VmQuery[],
    scopedVars: ScopedVars,
    filters?: AdHocVariableFilter[]
  ): VmQuery[] {
    return queries.map((q) => ({ ...this.applyTemplateVariables(q, scopedVars, filters), datasource: this.getRef() }));
  }

  getDefaultQuery(_: CoreApp): Partial<VmQuery> {
    return DEFAULT_QUERY;
  }

  /** The VMs the backend saw in the last hour (resource `vms`), for the editor's picker. */
  async getVms(host?: string): Promise<VmInfo[]> {
    const answer = await this.getResource<{ vms: VmInfo[] }>('vms', host ? { host } : undefined);
    return answer.vms ?? [];
  }

  /** The metrics the backend knows (resource `metrics`). */
  async getMetrics(): Promise<MetricInfo[]> {
    const answer = await this.getResource<{ metrics: MetricInfo[] }>('metrics');
    return answer.metrics ?? [];
  }

  filterQuery(query: VmQuery): boolean {
    const migrated = migrateQuery(query);
    if (migrated.hide) {
      return false;
    }
    if (migrated.queryType === 'variable') {
      return true;
    }
    return (
      validateQuery(
        migrated,
        STATIC_METRICS.map((m) => m.name)
      ).length === 0
    );
  }

  /**
   * Expands template variables: a multi-value `$vm` in `vms` (or `$disk` in
   * `devices`) becomes one entry per value; in `vmRegex` each value is regex-escaped; in a raw query each
   * value is escaped for the InfluxQL literal it stands in (see rawQuery.ts).
   */
  applyTemplateVariables(query: VmQuery, scopedVars: ScopedVars, filters?: AdHocVariableFilter[]): VmQuery {
    const templateSrv = getTemplateSrv();
    const migrated = migrateQuery(query);
    // The values of one variable reference. Grafana writes a custom "All"
    // value without calling the format function: that text is the one value.
    const valuesOf = (reference: string): string[] | undefined => {
      let captured: string[] | undefined;
      const replaced = templateSrv.replace(reference, scopedVars, (value: unknown) => {
        captured = (Array.isArray(value) ? value : [value]).map(String);
        return '';
      });
      return captured ?? (replaced !== reference ? [replaced] : undefined);
    };
    const expand = (entries: string[]) => {
      const values = entries.flatMap((entry) =>
        WHOLE_VARIABLE_REFERENCE.test(entry) ? (valuesOf(entry) ?? [entry]) : [templateSrv.replace(entry, scopedVars)]
      );
      return values.filter((value, i) => values.indexOf(value) === i);
    };
    return {
      ...migrated,
      vms: expand(migrated.vms),
      devices: migrated.devices === undefined ? undefined : expand(migrated.devices),
      vmRegex: templateSrv.replace(migrated.vmRegex, scopedVars, (value: unknown) =>
        regexAlternation((Array.isArray(value) ? value : [value]).map(String))
      ),
      host: templateSrv.replace(migrated.host, scopedVars),
      alias: migrated.alias === undefined ? undefined : templateSrv.replace(migrated.alias, scopedVars),
      adhocFilters: migrated.live ? undefined : adhocFilters(filters),
      rawQuery: interpolateRawQuery(migrated.rawQuery, {
        values: (name) => valuesOf('${' + name + '}'),
        builtIn: (reference) => templateSrv.replace(reference, scopedVars),
      }),
    };
  }

  /**
   * Live metrics and fleet queries subscribe to the data source's stream channel,
   * from which liveFrames.ts picks each panel's VMs and fields; the others go to the backend's
   * QueryData. A query that filterQuery skips for
   * being invalid gets an error naming its problems instead of no data, and so
   * does one whose template variables cannot be written into InfluxQL.
   */
  query(request: DataQueryRequest<VmQuery>): Observable<DataQueryResponse> {
    const isLive = (q: VmQuery) => (q.queryType === 'metrics' || q.queryType === 'fleet') && q.live;
    const errors: DataQueryError[] = [];
    const runnable: VmQuery[] = [];
    for (const q of request.targets.map(migrateQuery)) {
      const problems = this.problems(q, request.scopedVars);
      if (problems) {
        errors.push({ refId: q.refId, message: `Query ${q.refId}: ${problems}` });
      } else if (this.filterQuery(q)) {
        runnable.push(q);
      }
    }
    const responses: Array<Observable<DataQueryResponse>> = [];
    if (errors.length > 0) {
      responses.push(of({ data: [], errors, state: LoadingState.Error }));
    }
    const ranged = runnable.filter((q) => !isLive(q));
    if (ranged.length > 0) {
      responses.push(super.query({ ...request, targets: ranged }));
    }
    for (const q of runnable.filter(isLive)) {
      responses.push(this.liveStream(this.applyTemplateVariables(q, request.scopedVars), request));
    }
    return responses.length > 0 ? merge(...responses) : of({ data: [] });
  }

  /** Why a query that is not hidden cannot run, or undefined. */
  private problems(query: VmQuery, scopedVars: ScopedVars): string | undefined {
    if (query.hide || query.queryType === 'variable') {
      return undefined;
    }
    const issues = validateQuery(
      query,
      STATIC_METRICS.map((m) => m.name)
    );
    if (issues.length > 0) {
      return issues.map((i) => i.message).join(' ');
    }
    try {
      this.applyTemplateVariables(query, scopedVars);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  /**
   * Every live panel of the data source subscribes to the same channel (per host
   * filter and stream options): its data is the query without the keys a panel
   * picks in the browser (streamKey.ts), with the interval written out, so the
   * backend reads InfluxDB once per interval whatever the panels and viewers.
   */
  private liveStream(query: VmQuery, request: DataQueryRequest<VmQuery>): Observable<DataQueryResponse> {
    const data = streamData({ ...query, liveIntervalMs: query.liveIntervalMs || this.streamIntervalMs });
    const path = streamPath(data);
    const selection = { ...query, metrics: query.metrics.length > 0 ? query.metrics : [...DEFAULT_METRICS] };
    return fleetLiveStream(
      { scope: LiveChannelScope.DataSource, stream: this.uid, path, data },
      selection,
      query.refId,
      request.maxDataPoints ?? 1000,
      `${request.requestId}/${query.refId}/${path}`
    );
  }
}

/**
 * The ad hoc filters as the backend takes them. Values stay values (the
 * backend quotes them); a key or operator it cannot apply is sent as it is,
 * so that the backend names it in an error instead of the filter vanishing.
 */
function adhocFilters(filters: AdHocVariableFilter[] | undefined): AdhocFilter[] | undefined {
  const kept = (filters ?? []).map(({ key, operator, value }) => ({ key, operator, value }));
  return kept.length > 0 ? kept : undefined;
}
