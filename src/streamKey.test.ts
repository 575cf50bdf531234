import fs from 'fs';
import path from 'path';

import { streamKey, streamKeyCanonical } from './streamKey';
import { VmQuery } from './types';

interface StreamKeyVector {
  query: Pick<VmQuery, 'vmMode' | 'vms' | 'vmRegex' | 'host' | 'metrics' | 'outputs' | 'liveIntervalMs'> &
    Partial<Pick<VmQuery, 'rateWindowSeconds'>>;
  canonical: string;
  key: string;
}

const vectors: StreamKeyVector[] = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../testdata/stream-key-vectors.json'), 'utf8')
).vectors;

describe('stream key (docs/PLUGIN-API.md, testdata/stream-key-vectors.json)', () => {
  it('has vectors to check', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(4);
  });

  it.each(vectors.map((v) => [v.canonical, v] as const))('%j', (_, vector) => {
    expect(streamKeyCanonical(vector.query)).toBe(vector.canonical);
    expect(streamKey(vector.query)).toBe(vector.key);
  });

  it('changes with the VM order, the interval and the outputs', () => {
    const base = vectors[1].query;
    const keys = new Set([
      streamKey(base),
      streamKey({ ...base, vms: [...base.vms].reverse() }),
      streamKey({ ...base, liveIntervalMs: base.liveIntervalMs + 1 }),
      streamKey({ ...base, outputs: ['value'] }),
    ]);
    expect(keys.size).toBe(4);
  });

  it('is 16 lower-case hex digits, fit for a channel path', () => {
    for (const vector of vectors) {
      expect(streamKey(vector.query)).toMatch(/^[0-9a-f]{16}$/);
    }
  });
});
