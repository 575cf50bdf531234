import { STATIC_METRICS } from './metrics';
import { migrateQuery } from './migration';
import { VmQuery } from './types';
import { re2Problem, validateQuery } from './validation';

const known = STATIC_METRICS.map((m) => m.name);
const query = (patch: Partial<VmQuery>) => migrateQuery({ refId: 'A', ...patch });
const fields = (patch: Partial<VmQuery>) => validateQuery(query(patch), known).map((i) => i.field);

describe('validateQuery', () => {
  it('accepts the default query', () => {
    expect(validateQuery(query({}), known)).toEqual([]);
  });

  it.each<[string, Partial<VmQuery>, string]>([
    ['an empty VM list', { vmMode: 'list', vms: [] }, 'vms'],
    ['an empty regex', { vmMode: 'regex', vmRegex: '' }, 'vmRegex'],
    ['a bad regex', { vmMode: 'regex', vmRegex: 'one-(7' }, 'vmRegex'],
    ['lookahead', { vmMode: 'regex', vmRegex: '^(?!web)' }, 'vmRegex'],
    ['an unknown metric', { metrics: ['cpu_usage_percent', 'cpu_steal'] }, 'metrics'],
    ['a metric twice', { metrics: ['vcpus', 'vcpus'] }, 'metrics'],
    ['no output', { outputs: [] as never }, 'outputs'],
    ['a zero rate scale', { rateScales: { disk_read_bytes: 0 } }, 'rateScales'],
    ['a negative gap limit', { gapLimitSeconds: -1 }, 'gapLimitSeconds'],
    ['a live interval too short', { live: true, liveIntervalMs: 10 }, 'liveIntervalMs'],
    ['a live interval too long', { live: true, liveIntervalMs: 3600000 }, 'liveIntervalMs'],
    ['an empty raw query', { queryType: 'raw', rawQuery: '  ' }, 'rawQuery'],
    ['a raw DROP', { queryType: 'raw', rawQuery: 'DROP DATABASE vm_telemetry' }, 'rawQuery'],
  ])('flags %s', (_, patch, field) => {
    expect(fields(patch)).toContain(field);
  });

  it('accepts RE2-only syntax and template variables in a regex', () => {
    for (const pattern of ['(?i)^WEB', '\\Qa.b\\E', '(?P<n>web)\\z', '^$vm$']) {
      expect(re2Problem(pattern)).toBeUndefined();
    }
  });

  it('names the unknown metric and the interval limits', () => {
    const issues = validateQuery(query({ metrics: ['cpu_steal'], live: true, liveIntervalMs: 5 }), known);
    expect(issues.map((i) => i.message).join(' ')).toMatch(/Unknown metric: cpu_steal/);
    expect(issues.map((i) => i.message).join(' ')).toMatch(/between 100 and 60000 ms.*got 5/);
  });

  it('ignores the live settings of a raw query, which does not stream', () => {
    expect(fields({ queryType: 'raw', rawQuery: 'SELECT 1', live: true, liveIntervalMs: 5 })).toEqual([]);
  });

  it('accepts a live interval of 0 (the data source default)', () => {
    expect(fields({ live: true, liveIntervalMs: 0 })).toEqual([]);
  });
});
