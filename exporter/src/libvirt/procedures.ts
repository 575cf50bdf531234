// The calls of REMOTE_PROGRAM this client makes: procedure numbers and the
// XDR layout of their _args and _ret structures, from
// src/remote/remote_protocol.x. Pure functions from values to bytes and back.

import { BufferReader } from './xdr/buffer-reader.js';
import { BufferWriter } from './xdr/buffer-writer.js';
import { readTypedParam, type TypedParamValue } from './typed-params.js';
import {
  readDomainRef,
  REMOTE_AUTH_TYPE_LIST_MAX,
  REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX,
  REMOTE_DOMAIN_LIST_MAX,
  REMOTE_DOMAIN_MEMORY_STATS_MAX,
  REMOTE_STRING_MAX,
  writeDomainRef,
  type DomainRef,
} from './remote-types.js';

/** remote_procedure numbers. */
export const Procedure = {
  CONNECT_OPEN: 1,
  CONNECT_CLOSE: 2,
  DOMAIN_GET_XML_DESC: 14,
  DOMAIN_GET_INFO: 16,
  DOMAIN_LOOKUP_BY_NAME: 23,
  CONNECT_GET_HOSTNAME: 59,
  DOMAIN_BLOCK_STATS: 64,
  DOMAIN_INTERFACE_STATS: 65,
  AUTH_LIST: 66,
  AUTH_POLKIT: 70,
  CONNECT_GET_LIB_VERSION: 157,
  DOMAIN_MEMORY_STATS: 159,
  CONNECT_LIST_ALL_DOMAINS: 273,
  CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY: 316,
  DOMAIN_EVENT_CALLBACK_LIFECYCLE: 318,
  DOMAIN_EVENT_CALLBACK_REBOOT: 319,
  CONNECT_GET_ALL_DOMAIN_STATS: 344,
} as const;

const procedureNames = new Map<number, string>(Object.entries(Procedure).map(([name, number]) => [number, name]));

/** Name of a remote procedure for messages, e.g. 'DOMAIN_GET_INFO'. */
export function procedureName(procedure: number): string {
  return procedureNames.get(procedure) ?? `procedure ${procedure}`;
}

/** remote_auth_type. */
export const AuthType = { NONE: 0, SASL: 1, POLKIT: 2 } as const;

export interface DomainStatsRecord {
  domain: DomainRef;
  /** Typed parameters by field name, e.g. 'state.state', 'cpu.time', 'block.0.rd.bytes'. */
  params: Map<string, TypedParamValue>;
}

export interface DomainInfo {
  /** DomainState. */
  state: number;
  maxMemKiB: bigint;
  memoryKiB: bigint;
  nrVirtCpu: number;
  cpuTimeNs: bigint;
}

export interface BlockStats {
  rdReq: bigint;
  rdBytes: bigint;
  wrReq: bigint;
  wrBytes: bigint;
  errs: bigint;
}

export interface InterfaceStats {
  rxBytes: bigint;
  rxPackets: bigint;
  rxErrs: bigint;
  rxDrop: bigint;
  txBytes: bigint;
  txPackets: bigint;
  txErrs: bigint;
  txDrop: bigint;
}

const readRemoteString = (reader: BufferReader) => reader.readString(REMOTE_STRING_MAX);

function decode<T>(payload: Buffer, what: string, read: (reader: BufferReader) => T): T {
  const reader = new BufferReader(payload);
  const value = read(reader);
  reader.assertEnd(what);
  return value;
}

function encode(write: (writer: BufferWriter) => void): Buffer {
  const writer = new BufferWriter();
  write(writer);
  return writer.toBuffer();
}

// --- auth and connection ---

export function decodeAuthListRet(payload: Buffer): number[] {
  return decode(payload, 'remote_auth_list_ret', (r) =>
    r.readArray((item) => item.readInt(), REMOTE_AUTH_TYPE_LIST_MAX)
  );
}

/** remote_auth_polkit_ret: whether the daemon considers authentication complete. */
export function decodeAuthPolkitRet(payload: Buffer): boolean {
  return decode(payload, 'remote_auth_polkit_ret', (r) => r.readInt() !== 0);
}

export function encodeConnectOpenArgs(uri: string | null, flags: number): Buffer {
  return encode((w) =>
    w.writeOptional(uri, (writer, name) => writer.writeString(name, REMOTE_STRING_MAX)).writeUint(flags)
  );
}

export function decodeConnectGetLibVersionRet(payload: Buffer): bigint {
  return decode(payload, 'remote_connect_get_lib_version_ret', (r) => r.readUhyper());
}

export function decodeConnectGetHostnameRet(payload: Buffer): string {
  return decode(payload, 'remote_connect_get_hostname_ret', readRemoteString);
}

// --- domains ---

export function encodeConnectListAllDomainsArgs(flags: number): Buffer {
  // need_results = 1: we want the list, not only its length.
  return encode((w) => w.writeInt(1).writeUint(flags));
}

export function decodeConnectListAllDomainsRet(payload: Buffer): DomainRef[] {
  return decode(payload, 'remote_connect_list_all_domains_ret', (r) => {
    const domains = r.readArray(readDomainRef, REMOTE_DOMAIN_LIST_MAX);
    r.readUint(); // 'ret': the count again
    return domains;
  });
}

export function encodeConnectGetAllDomainStatsArgs(
  domains: readonly DomainRef[],
  stats: number,
  flags: number
): Buffer {
  return encode((w) => w.writeArray(domains, writeDomainRef, REMOTE_DOMAIN_LIST_MAX).writeUint(stats).writeUint(flags));
}

export function decodeConnectGetAllDomainStatsRet(payload: Buffer): DomainStatsRecord[] {
  return decode(payload, 'remote_connect_get_all_domain_stats_ret', (r) =>
    r.readArray((recordReader) => {
      const domain = readDomainRef(recordReader);
      const params = new Map<string, TypedParamValue>();
      for (const param of recordReader.readArray(readTypedParam, REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX)) {
        params.set(param.field, param.value);
      }
      return { domain, params };
    }, REMOTE_DOMAIN_LIST_MAX)
  );
}

export function encodeDomainLookupByNameArgs(name: string): Buffer {
  return encode((w) => w.writeString(name, REMOTE_STRING_MAX));
}

export function decodeDomainLookupByNameRet(payload: Buffer): DomainRef {
  return decode(payload, 'remote_domain_lookup_by_name_ret', readDomainRef);
}

export function encodeDomainArgs(domain: DomainRef): Buffer {
  return encode((w) => writeDomainRef(w, domain));
}

export function decodeDomainGetInfoRet(payload: Buffer): DomainInfo {
  // 'unsigned char state' and 'unsigned short nrVirtCpu' take a full XDR word each.
  return decode(payload, 'remote_domain_get_info_ret', (r) => ({
    state: r.readUint(),
    maxMemKiB: r.readUhyper(),
    memoryKiB: r.readUhyper(),
    nrVirtCpu: r.readUint(),
    cpuTimeNs: r.readUhyper(),
  }));
}

export function encodeDomainMemoryStatsArgs(domain: DomainRef, maxStats: number, flags: number): Buffer {
  return encode((w) => {
    writeDomainRef(w, domain);
    w.writeUint(maxStats).writeUint(flags);
  });
}

export function decodeDomainMemoryStatsRet(payload: Buffer): Map<number, bigint> {
  return decode(payload, 'remote_domain_memory_stats_ret', (r) => {
    const stats = new Map<number, bigint>();
    r.readArray((stat) => stats.set(stat.readInt(), stat.readUhyper()), REMOTE_DOMAIN_MEMORY_STATS_MAX);
    return stats;
  });
}

/** remote_domain_block_stats_args and remote_domain_interface_stats_args share this layout. */
export function encodeDomainDeviceArgs(domain: DomainRef, device: string): Buffer {
  return encode((w) => {
    writeDomainRef(w, domain);
    w.writeString(device, REMOTE_STRING_MAX);
  });
}

export function decodeDomainBlockStatsRet(payload: Buffer): BlockStats {
  return decode(payload, 'remote_domain_block_stats_ret', (r) => ({
    rdReq: r.readHyper(),
    rdBytes: r.readHyper(),
    wrReq: r.readHyper(),
    wrBytes: r.readHyper(),
    errs: r.readHyper(),
  }));
}

export function decodeDomainInterfaceStatsRet(payload: Buffer): InterfaceStats {
  return decode(payload, 'remote_domain_interface_stats_ret', (r) => ({
    rxBytes: r.readHyper(),
    rxPackets: r.readHyper(),
    rxErrs: r.readHyper(),
    rxDrop: r.readHyper(),
    txBytes: r.readHyper(),
    txPackets: r.readHyper(),
    txErrs: r.readHyper(),
    txDrop: r.readHyper(),
  }));
}

export function encodeDomainGetXmlDescArgs(domain: DomainRef, flags: number): Buffer {
  return encode((w) => {
    writeDomainRef(w, domain);
    w.writeUint(flags);
  });
}

export function decodeDomainGetXmlDescRet(payload: Buffer): string {
  return decode(payload, 'remote_domain_get_xml_desc_ret', readRemoteString);
}

// --- domain events ---

/** remote_connect_domain_event_callback_register_any_args: `domain` null = every domain. */
export function encodeConnectDomainEventCallbackRegisterAnyArgs(eventId: number, domain: DomainRef | null): Buffer {
  return encode((w) => w.writeInt(eventId).writeOptional(domain, writeDomainRef));
}

/** remote_connect_domain_event_callback_register_any_ret: the callback id events carry. */
export function decodeConnectDomainEventCallbackRegisterAnyRet(payload: Buffer): number {
  return decode(payload, 'remote_connect_domain_event_callback_register_any_ret', (r) => r.readInt());
}

/** remote_domain_event_callback_lifecycle_msg. */
export interface LifecycleEventMessage {
  callbackId: number;
  domain: DomainRef;
  /** DomainEventType. */
  event: number;
  /** The event type's detail enum (e.g. DomainEventStoppedDetail). */
  detail: number;
}

export function decodeDomainEventCallbackLifecycleMsg(payload: Buffer): LifecycleEventMessage {
  return decode(payload, 'remote_domain_event_callback_lifecycle_msg', (r) => ({
    callbackId: r.readInt(),
    domain: readDomainRef(r),
    event: r.readInt(),
    detail: r.readInt(),
  }));
}

/** remote_domain_event_callback_reboot_msg. */
export interface RebootEventMessage {
  callbackId: number;
  domain: DomainRef;
}

export function decodeDomainEventCallbackRebootMsg(payload: Buffer): RebootEventMessage {
  return decode(payload, 'remote_domain_event_callback_reboot_msg', (r) => ({
    callbackId: r.readInt(),
    domain: readDomainRef(r),
  }));
}
