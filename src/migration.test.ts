import { DEFAULT_METRICS } from './metrics';
import { DEFAULT_OUTPUTS, migrateQuery } from './migration';

describe('migrateQuery (schemaVersion 0 → 1, docs/PLUGIN-API.md)', () => {
  it('maps a named VM, its metric and rate: false', () => {
    const migrated = migrateQuery({ refId: 'A', vm: 'one-71', metric: 'cpu_usage_percent', rate: false } as never);
    expect(migrated).toMatchObject({
      refId: 'A',
      schemaVersion: 1,
      queryType: 'metrics',
      vmMode: 'list',
      vms: ['one-71'],
      metrics: ['cpu_usage_percent'],
      outputs: ['value'],
    });
    expect(migrated).not.toHaveProperty('vm');
    expect(migrated).not.toHaveProperty('metric');
    expect(migrated).not.toHaveProperty('rate');
  });

  it.each(['*', ''])('maps vm %j to all VMs', (vm) => {
    expect(migrateQuery({ refId: 'A', vm, metric: 'memory_usage_percent', rate: true } as never)).toMatchObject({
      vmMode: 'all',
      vms: [],
      metrics: ['memory_usage_percent'],
      outputs: DEFAULT_OUTPUTS,
    });
  });

  it('fills the defaults of an empty query', () => {
    expect(migrateQuery({ refId: 'B' })).toMatchObject({
      schemaVersion: 1,
      vmMode: 'all',
      metrics: DEFAULT_METRICS,
      outputs: DEFAULT_OUTPUTS,
      aggregation: 'mean',
      live: false,
      liveIntervalMs: 0,
    });
  });

  it('keeps version-1 keys over version-0 ones', () => {
    const migrated = migrateQuery({
      refId: 'A',
      vm: 'one-71',
      vmMode: 'regex',
      vmRegex: '^web',
      metric: 'vcpus',
      metrics: ['domain_id'],
    } as never);
    expect(migrated).toMatchObject({ vmMode: 'regex', vmRegex: '^web', vms: [], metrics: ['domain_id'] });
  });

  it('leaves a version-1 query as it is', () => {
    const query = migrateQuery({
      refId: 'C',
      vmMode: 'list',
      vms: ['a'],
      metrics: ['vcpus'],
      outputs: ['rate'],
      live: true,
      liveIntervalMs: 500,
    });
    expect(migrateQuery(query)).toEqual(query);
  });
});
