import { VmQuery } from './types';

const FNV_OFFSET_BASIS = BigInt('0xcbf29ce484222325');
const FNV_PRIME = BigInt('0x100000001b3');
const UINT64_MASK = BigInt('0xffffffffffffffff');

type StreamKeyFields = Pick<VmQuery, 'vmMode' | 'vms' | 'vmRegex' | 'host' | 'metrics' | 'outputs' | 'liveIntervalMs'> &
  Partial<Pick<VmQuery, 'rateWindowSeconds'>>;

/**
 * The string whose hash names a live channel (docs/PLUGIN-API.md): every
 * part of the query that changes what the stream sends.
 */
export function streamKeyCanonical(q: StreamKeyFields): string {
  const canonical = [
    'v1',
    q.vmMode,
    q.vms.join('\n'),
    q.vmRegex,
    q.host,
    q.metrics.join(','),
    q.outputs.join(','),
    String(q.liveIntervalMs),
  ].join('|');
  // A rate window changes the rates; absent, the keys of queries saved before it stay as they were.
  const windowMs = Math.round((q.rateWindowSeconds ?? 0) * 1000);
  return windowMs > 0 ? `${canonical}|w=${windowMs}` : canonical;
}

/** FNV-1a 64 of the UTF-8 bytes of s, as 16 lower-case hex digits. */
export function fnv1a64Hex(s: string): string {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of new TextEncoder().encode(s)) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME) & UINT64_MASK;
  }
  return hash.toString(16).padStart(16, '0');
}

/** The `<key>` of the channel `ds/<uid>/live/<key>` that streams the query. */
export function streamKey(q: StreamKeyFields): string {
  return fnv1a64Hex(streamKeyCanonical(q));
}
