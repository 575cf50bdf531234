import { DataQueryRequest, dateTime, LiveChannelAddress, LiveChannelScope } from '@grafana/data';
import { BackendSrv, GrafanaLiveSrv, setBackendSrv, setGrafanaLiveSrv, setTemplateSrv } from '@grafana/runtime';
import { lastValueFrom, of, toArray } from 'rxjs';

import { DataSource } from './datasource';
import { migrateQuery } from './migration';
import { streamPath } from './streamKey';
import { fakeTemplateSrv } from './testing/templateSrv';
import { instanceSettings } from './testing/instanceSettings';
import { VmQuery } from './types';

const query = (patch: Partial<VmQuery>): VmQuery => migrateQuery({ refId: 'A', ...patch });

function request(targets: VmQuery[]): DataQueryRequest<VmQuery> {
  const now = dateTime();
  return {
    requestId: 'req-1',
    interval: '1s',
    intervalMs: 1000,
    maxDataPoints: 300,
    range: { from: now, to: now, raw: { from: 'now-5m', to: 'now' } },
    scopedVars: {},
    targets,
    timezone: 'utc',
    app: 'dashboard',
    startTime: 0,
  };
}

beforeEach(() => {
  setTemplateSrv(fakeTemplateSrv({ vm: ['one-71', 'web.2'], single: 'one-72', host: 'kvm1', evil: "a'/b" }));
});

describe('applyTemplateVariables', () => {
  const ds = new DataSource(instanceSettings());

  it('expands a multi-value $vm into one entry per value, without duplicates', () => {
    const applied = ds.applyTemplateVariables(query({ vmMode: 'list', vms: ['$vm', 'one-71', '${single}'] }), {});
    expect(applied.vms).toEqual(['one-71', 'web.2', 'one-72']);
  });

  it('prefers the scoped value of a repeated panel', () => {
    const applied = ds.applyTemplateVariables(query({ vmMode: 'list', vms: ['$vm'] }), {
      vm: { text: 'one-99', value: 'one-99' },
    });
    expect(applied.vms).toEqual(['one-99']);
  });

  it('regex-escapes each value in regex mode', () => {
    const applied = ds.applyTemplateVariables(query({ vmMode: 'regex', vmRegex: '^$vm$' }), {});
    expect(applied.vmRegex).toBe('^(?:one-71|web\\.2)$');
    expect(new RegExp(applied.vmRegex).test('web.2')).toBe(true);
    expect(new RegExp(applied.vmRegex).test('webX2')).toBe(false);
  });

  it('interpolates the host', () => {
    expect(ds.applyTemplateVariables(query({ host: '$host' }), {}).host).toBe('kvm1');
  });

  it('escapes values of a raw query for their InfluxQL literal', () => {
    const applied = ds.applyTemplateVariables(
      query({ queryType: 'raw', rawQuery: `SELECT * FROM m WHERE vm = '$evil' OR vm =~ /^$vm$/ AND $timeFilter` }),
      {}
    );
    expect(applied.rawQuery).toBe(
      `SELECT * FROM m WHERE vm = 'a\\'/b' OR vm =~ /^(?:(?:one-71|web\\.2))$/ AND $timeFilter`
    );
  });

  it('migrates a version-0 query on the way', () => {
    const applied = ds.applyTemplateVariables({ refId: 'A', vm: '$single', metric: 'vcpus', rate: false } as never, {});
    expect(applied).toMatchObject({
      schemaVersion: 1,
      vmMode: 'list',
      vms: ['one-72'],
      metrics: ['vcpus'],
      outputs: ['value'],
    });
  });
});

describe('filterQuery', () => {
  const ds = new DataSource(instanceSettings());

  it.each<[string, Partial<VmQuery>, boolean]>([
    ['a valid query', {}, true],
    ['a hidden query', { hide: true }, false],
    ['an empty VM list', { vmMode: 'list', vms: [] }, false],
    ['a bad regex', { vmMode: 'regex', vmRegex: '(' }, false],
    ['an unknown metric', { metrics: ['nope'] }, false],
    ['a variable query', { queryType: 'variable', variable: 'vm' }, true],
  ])('%s → %s', (_, patch, expected) => {
    expect(ds.filterQuery(query(patch))).toBe(expected);
  });
});

describe('query', () => {
  let streams: Array<{ addr: LiveChannelAddress }>;
  let fetched: unknown[];

  beforeEach(() => {
    streams = [];
    fetched = [];
    setGrafanaLiveSrv({
      getStream: (addr: LiveChannelAddress) => {
        streams.push({ addr });
        return of();
      },
    } as unknown as GrafanaLiveSrv);
    setBackendSrv({
      fetch: (options: { data: unknown }) => {
        fetched.push(options.data);
        return of({ data: { results: {} }, status: 200, ok: true, headers: new Headers(), url: '', config: options });
      },
    } as unknown as BackendSrv);
  });

  it('subscribes every live panel to the one channel ds/<uid>/fleet/<host>/<hash>, whatever VMs and fields it picks', async () => {
    const ds = new DataSource(instanceSettings({ streamIntervalMs: 2000 }));
    const live = query({
      vmMode: 'list',
      vms: ['$vm'],
      metrics: ['cpu_usage_percent'],
      outputs: ['value', 'rate'],
      live: true,
    });
    const other = query({ refId: 'B', queryType: 'fleet', metrics: [], outputs: ['rate'], live: true });
    await lastValueFrom(ds.query(request([live, other])).pipe(toArray()));

    expect(fetched).toHaveLength(0);
    expect(streams).toHaveLength(2);
    const { addr } = streams[0];
    const data = addr.data as Partial<VmQuery>;
    expect(data.vms).toBeUndefined();
    expect(data.metrics).toBeUndefined();
    expect(data.liveIntervalMs).toBe(2000);
    expect(addr.scope).toBe(LiveChannelScope.DataSource);
    expect(addr.stream).toBe('vmt-test');
    expect(addr.path).toBe(streamPath(data));
    expect(addr.path).toMatch(/^fleet\/all\/[0-9a-f]{32}$/);
    expect(streams[1].addr).toEqual(addr);
    expect(`ds/vmt-test/${addr.path}`.length).toBeLessThanOrEqual(160);
  });

  it('gives a host filter its own channel', async () => {
    const ds = new DataSource(instanceSettings());
    await lastValueFrom(
      ds.query(request([query({ live: true, host: 'kvm1' }), query({ refId: 'B', live: true })])).pipe(toArray())
    );
    expect(streams[0].addr.path).toMatch(/^fleet\/h-kvm1\//);
    expect(streams[0].addr.path).not.toBe(streams[1].addr.path);
    expect((streams[0].addr.data as VmQuery).liveIntervalMs).toBe(1000);
  });

  it('keeps the query interval over the data source default', async () => {
    const ds = new DataSource(instanceSettings({ streamIntervalMs: 2000 }));
    await lastValueFrom(ds.query(request([query({ live: true, liveIntervalMs: 500 })])).pipe(toArray()));
    expect((streams[0].addr.data as VmQuery).liveIntervalMs).toBe(500);
  });

  it('sends queries without live to the backend and merges both', async () => {
    const ds = new DataSource(instanceSettings());
    await lastValueFrom(
      ds
        .query(request([query({ refId: 'A', live: true }), query({ refId: 'B', vmMode: 'regex', vmRegex: '$single' })]))
        .pipe(toArray())
    );
    expect(streams).toHaveLength(1);
    expect(fetched).toHaveLength(1);
    const body = fetched[0] as { queries: VmQuery[] };
    expect(body.queries.map((q) => q.refId)).toEqual(['B']);
    expect(body.queries[0].vmRegex).toBe('one-72');
  });

  it('neither subscribes nor sends an invalid query, and answers an error naming its problem', async () => {
    const ds = new DataSource(instanceSettings());
    const responses = await lastValueFrom(
      ds
        .query(
          request([
            query({ refId: 'L', live: true, vmMode: 'list', vms: [] }),
            query({ refId: 'R', vmMode: 'regex', vmRegex: '(' }),
          ])
        )
        .pipe(toArray())
    );
    expect(streams).toHaveLength(0);
    expect(fetched).toHaveLength(0);
    const errors = responses.flatMap((r) => r.errors ?? []);
    expect(errors.map((e) => e.refId)).toEqual(['L', 'R']);
    expect(errors[0].message).toMatch(/Query L: Pick at least one VM/);
    expect(errors[1].message).toMatch(/Query R: Bad regex/);
  });

  it('answers an error when a variable cannot be written into a raw query', async () => {
    const ds = new DataSource(instanceSettings());
    const responses = await lastValueFrom(
      ds.query(request([query({ queryType: 'raw', rawQuery: "SELECT * FROM m WHERE vm = '$vm'" })])).pipe(toArray())
    );
    expect(fetched).toHaveLength(0);
    expect(responses.flatMap((r) => r.errors ?? []).map((e) => e.message)).toEqual([
      expect.stringMatching(/^Query A: \$vm has 2 values/),
    ]);
  });

  it('skips a hidden query without an error', async () => {
    const ds = new DataSource(instanceSettings());
    const responses = await lastValueFrom(
      ds.query(request([query({ hide: true, vmMode: 'list', vms: [] })])).pipe(toArray())
    );
    expect(fetched).toHaveLength(0);
    expect(responses.flatMap((r) => r.errors ?? [])).toEqual([]);
  });
});

describe('variable support', () => {
  it('asks the backend for a variable query with the interpolated host', async () => {
    const fetched: Array<{ queries: VmQuery[] }> = [];
    setBackendSrv({
      fetch: (options: { data: { queries: VmQuery[] } }) => {
        fetched.push(options.data);
        return of({ data: { results: {} }, status: 200, ok: true, headers: new Headers(), url: '', config: options });
      },
    } as unknown as BackendSrv);
    const ds = new DataSource(instanceSettings());
    const variables = ds.variables as unknown as { query: (r: DataQueryRequest) => ReturnType<DataSource['query']> };
    await lastValueFrom(variables.query(request([{ refId: 'V', variable: 'vm', host: '$host' } as never])));
    expect(fetched[0].queries[0]).toMatchObject({ queryType: 'variable', variable: 'vm', host: 'kvm1' });
  });
});

describe('Explore, ad hoc filters and annotations', () => {
  const ds = new DataSource(instanceSettings());

  it('interpolates the variables of queries sent to Explore and points them at this data source', () => {
    const [q] = ds.interpolateVariablesInQueries(
      [query({ vmMode: 'list', vms: ['$vm'], host: '$host', alias: '{{vm}} $single' })],
      {}
    );
    expect(q.vms).toEqual(['one-71', 'web.2']);
    expect(q.host).toBe('kvm1');
    expect(q.alias).toBe('{{vm}} one-72');
    expect(q.datasource).toEqual(ds.getRef());
  });

  it('copies the ad hoc filters into metric and event queries as values, not into live streams', () => {
    const filters = [
      { key: 'host', operator: '=', value: "kvm1' OR 'a'='a" },
      { key: 'vm', operator: '=~', value: '^web' },
    ];
    const [metrics, events, live] = ds.interpolateVariablesInQueries(
      [query({}), query({ queryType: 'events' }), query({ live: true })],
      {},
      filters
    );
    expect(metrics.adhocFilters).toEqual(filters);
    expect(events.adhocFilters).toEqual(filters);
    expect(live.adhocFilters).toBeUndefined();
    expect(ds.applyTemplateVariables(query({}), {}).adhocFilters).toBeUndefined();
  });

  it('offers host and vm as ad hoc keys, with the values of the VMs the backend sees', async () => {
    expect(await ds.getTagKeys()).toEqual([{ text: 'host' }, { text: 'vm' }]);
    const getResource = jest.spyOn(ds, 'getResource').mockResolvedValue({
      vms: [
        { name: 'web-2', host: 'kvm2', uuid: 'u2' },
        { name: 'web-1', host: 'kvm1', uuid: 'u1' },
        { name: 'web-1', host: 'kvm2', uuid: 'u3' },
      ],
    });
    expect(await ds.getTagValues({ key: 'vm' })).toEqual([{ text: 'web-1' }, { text: 'web-2' }]);
    expect(await ds.getTagValues({ key: 'host' })).toEqual([{ text: 'kvm1' }, { text: 'kvm2' }]);
    expect(await ds.getTagValues({ key: 'uuid' })).toEqual([]);
    getResource.mockRestore();
  });

  it('supports annotations: a new annotation query is an events query', () => {
    expect(ds.annotations).toBeDefined();
    expect(ds.annotations!.getDefaultQuery!()).toMatchObject({ queryType: 'events' });
  });
});
