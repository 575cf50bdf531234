// Keeps one libvirt connection open across daemon restarts and broken
// sockets: connects on demand, notices when the connection ends, and logs
// once when an outage starts and once when it ends (not once per attempt).
// Emits 'open' with each new connection, for what must be set up per
// connection (event registrations).

import { EventEmitter } from 'node:events';
import { ConnectionClosedError, LibvirtClient, type ConnectOptions } from '../libvirt/index.js';
import type { Logger } from '../log.js';

export interface LibvirtSessionOptions {
  connectOptions: ConnectOptions;
  log: Logger;
  /** Opens a connection; LibvirtClient.connect unless a test replaces it. */
  connect?: (options: ConnectOptions) => Promise<LibvirtClient>;
}

export interface LibvirtSessionEvents {
  /** A connection was opened: the first one or a reconnect. */
  open: [client: LibvirtClient];
}

export class LibvirtSession extends EventEmitter<LibvirtSessionEvents> {
  private client: LibvirtClient | null = null;
  private connecting: Promise<LibvirtClient> | null = null;
  private outageSince: number | null = null;
  private failedAttempts = 0;
  private reconnects = 0;
  private everConnected = false;
  private closed = false;

  constructor(private readonly options: LibvirtSessionOptions) {
    super();
  }

  get connected(): boolean {
    return this.client !== null && !this.client.closed;
  }

  /** Connections opened after the first one. */
  get reconnectCount(): number {
    return this.reconnects;
  }

  /** The open connection, connecting first if needed. Rejects with the connect error while libvirt is unreachable. */
  async get(): Promise<LibvirtClient> {
    if (this.client && !this.client.closed) {
      return this.client;
    }
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  /** A call failed with this error: drop the connection when it means the connection is gone. */
  report(error: unknown): void {
    if (error instanceof ConnectionClosedError && this.client) {
      this.lost(this.client, error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.close();
    this.client = null;
  }

  private async open(): Promise<LibvirtClient> {
    const connect = this.options.connect ?? ((o: ConnectOptions) => LibvirtClient.connect(o));
    let client: LibvirtClient;
    try {
      client = await connect(this.options.connectOptions);
    } catch (error) {
      this.failedAttempts++;
      if (this.outageSince === null) {
        this.outageSince = Date.now();
        this.options.log.error('cannot connect to libvirt', {
          error: (error as Error).message,
          uri: this.options.connectOptions.uri,
        });
      }
      throw error;
    }
    if (this.closed) {
      await client.close();
      throw new ConnectionClosedError('the session was closed');
    }
    if (this.everConnected) {
      this.reconnects++;
    }
    this.everConnected = true;
    this.client = client;
    client.once('close', (error?: Error) => {
      if (error && this.client === client) {
        this.lost(client, error);
      }
    });
    if (this.outageSince !== null) {
      this.options.log.info('connected to libvirt again', {
        outageSeconds: Math.round((Date.now() - this.outageSince) / 1000),
        failedAttempts: this.failedAttempts,
      });
    } else {
      this.options.log.info('connected to libvirt', { uri: this.options.connectOptions.uri });
    }
    this.outageSince = null;
    this.failedAttempts = 0;
    this.emit('open', client);
    return client;
  }

  private lost(client: LibvirtClient, error: Error): void {
    if (this.client !== client) {
      return;
    }
    this.client = null;
    void client.close().catch(() => {});
    if (this.outageSince === null && !this.closed) {
      this.outageSince = Date.now();
      this.options.log.warn('libvirt connection lost; reconnecting', { error: error.message });
    }
  }
}
