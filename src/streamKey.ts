/**
 * The path of the data source's live channel for a query (docs/PLUGIN-API.md,
 * "Live streams"): `fleet/<host or all>/<hash>`, the hash being the first 32 hex
 * digits of the SHA-256 of the canonical encoding of the stream's data. The
 * backend (pkg/plugin/stream_key.go) computes the same bytes and refuses a path
 * that does not match its data; testdata/stream-key-vectors.json holds both.
 */

/**
 * Keys of a query that never change what the stream sends: which VMs and fields
 * a panel shows is picked in the browser, and a stream sends raw newest samples.
 * Every other key, including ones added to the query model later, changes the
 * channel.
 */
export const PANEL_SIDE_KEYS: ReadonlySet<string> = new Set([
  'refId',
  'datasource',
  'hide',
  'key',
  'queryType',
  'vmMode',
  'vms',
  'vmRegex',
  'metrics',
  'outputs',
  'live',
  'aggregation',
  'rawQuery',
  'variable',
  'intervalMs',
  'maxDataPoints',
  'datasourceId',
]);

/** The stream's data: the query without its panel-side keys. */
export function streamData(query: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(query).filter(([key, value]) => !PANEL_SIDE_KEYS.has(key) && value !== undefined)
  );
}

function canonicalValue(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalValue).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalValue(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The canonical encoding: the stream's data, keys sorted at every depth, no spaces. */
export function streamCanonical(query: object): string {
  return canonicalValue(streamData(query));
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/**
 * SHA-256 (FIPS 180-4) of the UTF-8 bytes of s, as lower-case hex. Written here
 * because Web Crypto's digest is asynchronous and only exists in secure contexts,
 * while a panel's query must name its channel at once.
 */
export function sha256Hex(s: string): string {
  const bytes = new TextEncoder().encode(s);
  const length = ((bytes.length + 9 + 63) >> 6) << 6;
  const padded = new Uint8Array(length);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(length - 8, Math.floor((bytes.length * 8) / 2 ** 32));
  view.setUint32(length - 4, (bytes.length * 8) >>> 0);
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let offset = 0; offset < length; offset += 64) {
    for (let i = 0; i < 16; i++) {
      w[i] = view.getUint32(offset + i * 4);
    }
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      [hh, g, f, e, d, c, b, a] = [g, f, e, (d + t1) >>> 0, c, b, a, (t1 + t2) >>> 0];
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, '0')).join('');
}

/** The host as a path segment: "all" for none, else `h-` and at most 40 characters, those Grafana refuses as `_`. */
function readableSegment(host: string): string {
  if (!host) {
    return 'all';
  }
  return (
    'h-' +
    Array.from(host)
      .slice(0, 40)
      .map((ch) => (/^[A-Za-z0-9_.=-]$/.test(ch) ? ch : '_'))
      .join('')
  );
}

/** The path of the channel `ds/<uid>/<path>` that streams the query's data. */
export function streamPath(query: Record<string, unknown>): string {
  return `fleet/${readableSegment(typeof query.host === 'string' ? query.host : '')}/${sha256Hex(streamCanonical(query)).slice(0, 32)}`;
}
