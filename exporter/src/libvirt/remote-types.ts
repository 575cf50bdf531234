// Shared structures of remote_protocol.x: limits, remote_nonnull_domain and
// remote_uuid.

import type { BufferReader } from './xdr/buffer-reader.js';
import type { BufferWriter } from './xdr/buffer-writer.js';
import { XdrError } from './xdr/xdr-error.js';

// Decoder limits from remote_protocol.x (libvirt 9.x); replies beyond them are rejected.
export const REMOTE_STRING_MAX = 4_194_304;
export const REMOTE_DOMAIN_LIST_MAX = 16_384;
export const REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX = 262_144;
export const REMOTE_DOMAIN_MEMORY_STATS_MAX = 1024;
export const REMOTE_AUTH_TYPE_LIST_MAX = 20;
const UUID_BYTES = 16;

/** A domain as the daemon names it: remote_nonnull_domain. */
export interface DomainRef {
  name: string;
  /** Canonical lower-case 8-4-4-4-12 form. */
  uuid: string;
  /** Hypervisor id; -1 when the domain is not running. */
  id: number;
}

export function readDomainRef(reader: BufferReader): DomainRef {
  const name = reader.readString(REMOTE_STRING_MAX);
  const uuid = formatUuid(reader.readFixedOpaque(UUID_BYTES));
  const id = reader.readInt();
  return { name, uuid, id };
}

export function writeDomainRef(writer: BufferWriter, domain: DomainRef): void {
  writer.writeString(domain.name, REMOTE_STRING_MAX);
  writer.writeFixedOpaque(parseUuid(domain.uuid), UUID_BYTES);
  writer.writeInt(domain.id);
}

export function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Accepts the canonical form and the 32-hex-digit form without dashes. */
export function parseUuid(text: string): Buffer {
  // A loop over the characters, not a regex and a hex decode: every per-domain
  // call encodes its domain's UUID, thousands of times a second on large hosts.
  const dashed = text.length === 36;
  if (!dashed && text.length !== 32) {
    throw notUuid(text);
  }
  const bytes = Buffer.allocUnsafe(UUID_BYTES);
  let at = 0;
  for (let i = 0; i < UUID_BYTES; i++) {
    if (dashed && (at === 8 || at === 13 || at === 18 || at === 23)) {
      if (text.charCodeAt(at) !== 0x2d) {
        throw notUuid(text);
      }
      at++;
    }
    const high = hexDigit(text.charCodeAt(at));
    const low = hexDigit(text.charCodeAt(at + 1));
    if (high < 0 || low < 0) {
      throw notUuid(text);
    }
    bytes[i] = (high << 4) | low;
    at += 2;
  }
  return bytes;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) {
    return code - 0x30;
  }
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

function notUuid(text: string): XdrError {
  return new XdrError(`not a UUID: ${JSON.stringify(text)}`);
}
