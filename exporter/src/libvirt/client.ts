// LibvirtClient: an open, authenticated libvirt connection and the calls an
// exporter needs, each one RPC round trip.

import { EventEmitter } from 'node:events';
import { RpcConnection, type TlsOptions } from './connection.js';
import { ConnectFlag, MEMORY_STAT_COUNT } from './constants.js';
import { AuthenticationError, LibvirtError } from './errors.js';
import {
  AuthType,
  decodeAuthListRet,
  decodeAuthPolkitRet,
  decodeConnectDomainEventCallbackRegisterAnyRet,
  decodeConnectGetAllDomainStatsRet,
  decodeConnectGetHostnameRet,
  decodeConnectGetLibVersionRet,
  decodeConnectListAllDomainsRet,
  decodeDomainBlockStatsRet,
  decodeDomainEventCallbackLifecycleMsg,
  decodeDomainEventCallbackRebootMsg,
  decodeDomainGetInfoRet,
  decodeDomainGetXmlDescRet,
  decodeDomainInterfaceStatsRet,
  decodeDomainLookupByNameRet,
  decodeDomainMemoryStatsRet,
  encodeConnectDomainEventCallbackRegisterAnyArgs,
  encodeConnectGetAllDomainStatsArgs,
  encodeConnectListAllDomainsArgs,
  encodeConnectOpenArgs,
  encodeDomainArgs,
  encodeDomainDeviceArgs,
  encodeDomainGetXmlDescArgs,
  encodeDomainLookupByNameArgs,
  encodeDomainMemoryStatsArgs,
  Procedure,
  type BlockStats,
  type DomainInfo,
  type DomainStatsRecord,
  type InterfaceStats,
  type LifecycleEventMessage,
  type RebootEventMessage,
} from './procedures.js';
import type { DomainRef } from './remote-types.js';
import { daemonSideUri } from './uri.js';

export const DEFAULT_SOCKET = '/run/libvirt/libvirt-sock';
export const DEFAULT_READONLY_SOCKET = '/run/libvirt/libvirt-sock-ro';

export interface ConnectOptions {
  /** Unix socket; default DEFAULT_READONLY_SOCKET when readOnly, else DEFAULT_SOCKET (unless host is set). */
  socketPath?: string | undefined;
  /** TCP host (plain TCP, or TLS when `tls` is set). */
  host?: string | undefined;
  port?: number | undefined;
  tls?: TlsOptions | undefined;
  /**
   * Driver URI to open, e.g. 'qemu:///system' or 'test:///default'. A client
   * transport in the scheme ('qemu+unix', 'test+tcp://host/...') is accepted and
   * removed, as libvirt's remote driver does. Omitted: the daemon's default driver.
   */
  uri?: string | undefined;
  /** Open with VIR_CONNECT_RO. Connections on the read-only socket are read-only regardless. */
  readOnly?: boolean | undefined;
  /** Limit on connecting and on each call; default 10 s. */
  callTimeoutMs?: number | undefined;
}

export interface LibvirtClientEvents {
  /** The connection ended; `error` says why, undefined after close(). */
  close: [error: Error | undefined];
  /** A domain lifecycle event of a callback registered with DomainEventId.LIFECYCLE. */
  lifecycle: [event: LifecycleEventMessage];
  /** A guest reset of a callback registered with DomainEventId.REBOOT. */
  reboot: [event: RebootEventMessage];
}

export class LibvirtClient extends EventEmitter<LibvirtClientEvents> {
  private constructor(private readonly connection: RpcConnection) {
    super();
    connection.on('close', (error) => this.emit('close', error));
    connection.on('message', (procedure, payload) => this.onMessage(procedure, payload));
  }

  /** Connects, authenticates (none or polkit) and opens the driver URI. */
  static async connect(options: ConnectOptions = {}): Promise<LibvirtClient> {
    const readOnly = options.readOnly ?? false;
    const socketPath =
      options.socketPath ??
      (options.host === undefined ? (readOnly ? DEFAULT_READONLY_SOCKET : DEFAULT_SOCKET) : undefined);
    const connection = await RpcConnection.open({
      socketPath,
      host: options.host,
      port: options.port,
      tls: options.tls,
      callTimeoutMs: options.callTimeoutMs,
    });
    const client = new LibvirtClient(connection);
    try {
      await client.authenticate();
      const uri = options.uri === undefined ? null : daemonSideUri(options.uri);
      await connection.call(Procedure.CONNECT_OPEN, encodeConnectOpenArgs(uri, readOnly ? ConnectFlag.RO : 0));
    } catch (error) {
      await connection.close();
      throw error;
    }
    return client;
  }

  /** Whether the connection has ended (close() or a broken socket). */
  get closed(): boolean {
    return this.connection.closed;
  }

  /** libvirt version of the daemon, e.g. 9000000 for 9.0.0. */
  async getLibVersion(): Promise<number> {
    return Number(decodeConnectGetLibVersionRet(await this.connection.call(Procedure.CONNECT_GET_LIB_VERSION)));
  }

  async getHostname(): Promise<string> {
    return decodeConnectGetHostnameRet(await this.connection.call(Procedure.CONNECT_GET_HOSTNAME));
  }

  /** Domains matching ListAllDomainsFlag bits; 0 (default) lists all of them. */
  async listAllDomains(flags = 0): Promise<DomainRef[]> {
    const reply = await this.connection.call(
      Procedure.CONNECT_LIST_ALL_DOMAINS,
      encodeConnectListAllDomainsArgs(flags)
    );
    return decodeConnectListAllDomainsRet(reply);
  }

  /**
   * Bulk statistics (virConnectGetAllDomainStats): `stats` is DomainStatsGroup
   * bits (0 = every group the driver has), `flags` GetAllDomainStatsFlag bits.
   * With `domains`, only those domains (flags must then carry no state filter).
   */
  async getAllDomainStats(
    stats: number,
    flags: number,
    domains: readonly DomainRef[] = []
  ): Promise<DomainStatsRecord[]> {
    const reply = await this.connection.call(
      Procedure.CONNECT_GET_ALL_DOMAIN_STATS,
      encodeConnectGetAllDomainStatsArgs(domains, stats, flags)
    );
    return decodeConnectGetAllDomainStatsRet(reply);
  }

  async lookupDomainByName(name: string): Promise<DomainRef> {
    return decodeDomainLookupByNameRet(
      await this.connection.call(Procedure.DOMAIN_LOOKUP_BY_NAME, encodeDomainLookupByNameArgs(name))
    );
  }

  async domainGetInfo(domain: DomainRef): Promise<DomainInfo> {
    return decodeDomainGetInfoRet(await this.connection.call(Procedure.DOMAIN_GET_INFO, encodeDomainArgs(domain)));
  }

  /** Balloon statistics by MemoryStatTag; empty when the guest reports none. */
  async domainMemoryStats(domain: DomainRef, maxStats = MEMORY_STAT_COUNT): Promise<Map<number, bigint>> {
    const reply = await this.connection.call(
      Procedure.DOMAIN_MEMORY_STATS,
      encodeDomainMemoryStatsArgs(domain, maxStats, 0)
    );
    return decodeDomainMemoryStatsRet(reply);
  }

  /** Counters of one disk, named by target ('vda') or source path. -1 means unsupported. */
  async domainBlockStats(domain: DomainRef, path: string): Promise<BlockStats> {
    return decodeDomainBlockStatsRet(
      await this.connection.call(Procedure.DOMAIN_BLOCK_STATS, encodeDomainDeviceArgs(domain, path))
    );
  }

  /** Counters of one interface, named by target device ('vnet0') or MAC. -1 means unsupported. */
  async domainInterfaceStats(domain: DomainRef, device: string): Promise<InterfaceStats> {
    const reply = await this.connection.call(Procedure.DOMAIN_INTERFACE_STATS, encodeDomainDeviceArgs(domain, device));
    return decodeDomainInterfaceStatsRet(reply);
  }

  /** Domain XML; `flags` is DomainXmlFlag bits. */
  async domainGetXMLDesc(domain: DomainRef, flags = 0): Promise<string> {
    return decodeDomainGetXmlDescRet(
      await this.connection.call(Procedure.DOMAIN_GET_XML_DESC, encodeDomainGetXmlDescArgs(domain, flags))
    );
  }

  /**
   * Asks the daemon for events of one DomainEventId (of every domain, or of
   * `domain` only); they arrive as 'lifecycle' / 'reboot' events of this
   * client until the connection ends. Returns the callback
   * id the events carry. Allowed on read-only connections.
   */
  async registerDomainEvent(eventId: number, domain: DomainRef | null = null): Promise<number> {
    const reply = await this.connection.call(
      Procedure.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
      encodeConnectDomainEventCallbackRegisterAnyArgs(eventId, domain)
    );
    return decodeConnectDomainEventCallbackRegisterAnyRet(reply);
  }

  /** Closes the driver connection politely, then the socket. Safe to call twice. */
  async close(): Promise<void> {
    if (this.connection.closed) {
      return;
    }
    try {
      await this.connection.call(Procedure.CONNECT_CLOSE);
    } catch {
      // The socket is going away either way; a daemon that cannot answer
      // CONNECT_CLOSE has nothing left to release.
    }
    await this.connection.close();
  }

  /** Decodes the events this client knows; other asynchronous messages are not asked for and ignored. */
  private onMessage(procedure: number, payload: Buffer): void {
    switch (procedure) {
      case Procedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE:
        this.emit('lifecycle', decodeDomainEventCallbackLifecycleMsg(payload));
        break;
      case Procedure.DOMAIN_EVENT_CALLBACK_REBOOT:
        this.emit('reboot', decodeDomainEventCallbackRebootMsg(payload));
        break;
    }
  }

  /** Uses no authentication when the daemon offers it, else polkit (the unix socket's method). */
  private async authenticate(): Promise<void> {
    const offered = decodeAuthListRet(await this.connection.call(Procedure.AUTH_LIST));
    if (offered.length === 0 || offered.includes(AuthType.NONE)) {
      return;
    }
    if (offered.includes(AuthType.POLKIT)) {
      let complete: boolean;
      try {
        complete = decodeAuthPolkitRet(await this.connection.call(Procedure.AUTH_POLKIT));
      } catch (error) {
        if (!(error instanceof LibvirtError)) {
          throw error;
        }
        throw new AuthenticationError(
          `polkit refused access to ${this.connection.address} (${error.message}): use the read-only socket ` +
            `${DEFAULT_READONLY_SOCKET}, or run as a member of the libvirt group`,
          { cause: error }
        );
      }
      if (!complete) {
        throw new AuthenticationError(`polkit authentication with ${this.connection.address} did not complete`);
      }
      return;
    }
    throw new AuthenticationError(
      `libvirtd at ${this.connection.address} offers only SASL authentication, which this client does not support ` +
        `(offered: ${offered.join(', ')}); use the unix socket or a TLS listener with auth_tls = "none"`
    );
  }
}
