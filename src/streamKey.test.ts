import fs from 'fs';
import path from 'path';

import { sha256Hex, streamCanonical, streamPath } from './streamKey';

interface StreamPathVector {
  data: Record<string, unknown> & { host?: string };
  canonical: string;
  path: string;
}

const vectors: StreamPathVector[] = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../testdata/stream-key-vectors.json'), 'utf8')
).vectors;

describe('stream path (docs/PLUGIN-API.md, testdata/stream-key-vectors.json)', () => {
  it('has vectors to check', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(4);
  });

  it.each(vectors.map((v) => [v.canonical, v] as const))('%j', (_, vector) => {
    expect(streamCanonical(vector.data)).toBe(vector.canonical);
    expect(streamPath(vector.data)).toBe(vector.path);
  });

  it('computes SHA-256 (FIPS 180-4 examples)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'
    );
  });

  it('shares one channel among panels that pick other VMs and fields, never among other options', () => {
    const base = vectors[0].data;
    const panel = {
      ...base,
      refId: 'B',
      queryType: 'fleet',
      vmMode: 'list',
      vms: ['kvm1/a'],
      metrics: ['x'],
      outputs: ['rate'],
      live: true,
    };
    expect(streamPath(panel)).toBe(streamPath(base));
    const paths = new Set([
      streamPath(base),
      streamPath({ ...base, host: 'kvm1' }),
      streamPath({ ...base, liveIntervalMs: 500 }),
      streamPath({ ...base, gapLimitSeconds: 30 }),
      streamPath({ ...base, rateScales: { disk_read_bytes: 1 } }),
      streamPath({ ...base, rateWindowSeconds: 60 }),
    ]);
    expect(paths.size).toBe(6);
  });
});
