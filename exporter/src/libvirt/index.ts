// Public surface of the libvirt RPC client. Nothing here knows about metrics
// or InfluxDB.

export { LibvirtClient, DEFAULT_SOCKET, DEFAULT_READONLY_SOCKET } from './client.js';
export type { ConnectOptions, LibvirtClientEvents } from './client.js';
export { RpcConnection, DEFAULT_CALL_TIMEOUT_MS, DEFAULT_TCP_PORT, DEFAULT_TLS_PORT } from './connection.js';
export type { TlsOptions, TransportOptions } from './connection.js';
export {
  ConnectFlag,
  DOMAIN_EVENT_DETAILS,
  DOMAIN_STATE_REASONS,
  DomainEventId,
  DomainEventType,
  DomainState,
  DomainStatsGroup,
  DomainXmlFlag,
  ErrorCode,
  GetAllDomainStatsFlag,
  ListAllDomainsFlag,
  MEMORY_STAT_COUNT,
  MemoryStatTag,
} from './constants.js';
export {
  AuthenticationError,
  CallTimeoutError,
  ConnectFailedError,
  ConnectionClosedError,
  LibvirtClientError,
  LibvirtError,
  PermissionDeniedError,
  ProtocolError,
  SocketMissingError,
} from './errors.js';
export type { LibvirtErrorDetails } from './errors.js';
export { Procedure } from './procedures.js';
export type {
  BlockStats,
  DomainInfo,
  DomainStatsRecord,
  InterfaceStats,
  LifecycleEventMessage,
  RebootEventMessage,
} from './procedures.js';
export type { DomainRef } from './remote-types.js';
export type { TypedParamValue } from './typed-params.js';
export { XdrError } from './xdr/xdr-error.js';
