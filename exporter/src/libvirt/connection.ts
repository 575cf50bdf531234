// The transport: one socket to libvirtd (unix, TCP or TLS), calls matched to
// replies by serial, a timeout per call, and keepalive PINGs answered.

import { EventEmitter } from 'node:events';
import net from 'node:net';
import {
  CallTimeoutError,
  ConnectFailedError,
  ConnectionClosedError,
  PermissionDeniedError,
  ProtocolError,
  SocketMissingError,
} from './errors.js';
import {
  decodeError,
  encodeMessage,
  KEEPALIVE_PROGRAM,
  KEEPALIVE_PROTOCOL_VERSION,
  KeepaliveProcedure,
  MessageStatus,
  MessageType,
  REMOTE_PROGRAM,
  REMOTE_PROTOCOL_VERSION,
  type Message,
} from './framing.js';
import { MessageParser } from './parser.js';
import { procedureName } from './procedures.js';

export const DEFAULT_TCP_PORT = 16509;
export const DEFAULT_TLS_PORT = 16514;
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

export interface TlsOptions {
  /** CA certificate(s) that signed the daemon's certificate (libvirt's cacert.pem). */
  ca?: Buffer | undefined;
  /** Client certificate (clientcert.pem), when the daemon verifies clients. */
  cert?: Buffer | undefined;
  /** Client private key (clientkey.pem). */
  key?: Buffer | undefined;
  /** Name checked against the daemon's certificate; defaults to the host. */
  servername?: string | undefined;
}

export interface TransportOptions {
  /** Unix socket path. Takes precedence over host. */
  socketPath?: string | undefined;
  /** TCP host; with `tls` the connection is TLS. */
  host?: string | undefined;
  /** Defaults to 16509 for TCP and 16514 for TLS. */
  port?: number | undefined;
  tls?: TlsOptions | undefined;
  /** Limit on connecting and on each call; default 10 s. */
  callTimeoutMs?: number | undefined;
}

interface PendingCall {
  procedure: string;
  resolve: (payload: Buffer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export interface RpcConnectionEvents {
  /** The socket closed. `error` is undefined only after close() was called. */
  close: [error: Error | undefined];
  /**
   * An asynchronous REMOTE_PROGRAM message (a domain event): its procedure
   * and undecoded payload. A listener that throws drops the connection as a
   * protocol error, like an undecodable reply.
   */
  message: [procedure: number, payload: Buffer];
}

export class RpcConnection extends EventEmitter<RpcConnectionEvents> {
  private readonly parser = new MessageParser();
  private readonly pending = new Map<number, PendingCall>();
  private nextSerial = 1;
  private closing = false;
  private closeError: Error | undefined;
  private isClosed = false;
  /** Writes are being gathered until the end of this tick (send()). */
  private corked = false;

  private constructor(
    private readonly socket: net.Socket,
    /** Where this connection goes, for messages: a socket path or host:port. */
    readonly address: string,
    readonly callTimeoutMs: number
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => {
      this.closeError ??= error;
    });
    socket.on('close', () => this.onClose());
  }

  /** Opens the transport; rejects with SocketMissingError, PermissionDeniedError or ConnectFailedError. */
  static async open(options: TransportOptions): Promise<RpcConnection> {
    const timeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const { socket, address, readyEvent } = await createSocket(options);
    const isTls = options.tls !== undefined && options.socketPath === undefined;
    return new Promise((resolve, reject) => {
      const fail = (error: ConnectFailedError) => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.off('close', onEarlyClose);
        socket.destroy();
        reject(error);
      };
      const succeed = (firstBytes: Buffer) => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.off('close', onEarlyClose);
        const connection = new RpcConnection(socket, address, timeoutMs);
        if (firstBytes.length > 0) {
          connection.onData(firstBytes);
        }
        resolve(connection);
      };
      const timer = setTimeout(
        () =>
          fail(
            new ConnectFailedError(
              `connecting to libvirt at ${address} timed out after ${timeoutMs} ms`,
              'ETIMEDOUT',
              address
            )
          ),
        timeoutMs
      );
      const onError = (error: NodeJS.ErrnoException) =>
        fail(connectError(error, address, options.socketPath !== undefined));
      const onEarlyClose = () =>
        fail(
          new ConnectFailedError(
            `libvirtd at ${address} closed the connection while it was being set up` +
              (isTls ? ': it probably rejected our client certificate (tls.cert/tls.key) or our address' : ''),
            'ECONNRESET',
            address
          )
        );
      socket.once('error', onError);
      socket.once('close', onEarlyClose);
      socket.once(readyEvent, () => {
        if (!isTls) {
          succeed(Buffer.alloc(0));
          return;
        }
        // After the TLS handshake libvirtd checks our certificate and address
        // and sends one byte: 1 when it accepts us (virNetServerClient).
        socket.once('data', (chunk: Buffer) => {
          if (chunk[0] !== 1) {
            fail(
              new ConnectFailedError(
                `libvirtd at ${address} refused our TLS client certificate or address (check byte ${chunk[0]})`,
                'EACCES',
                address
              )
            );
            return;
          }
          succeed(chunk.subarray(1));
        });
      });
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Calls a REMOTE_PROGRAM procedure and resolves with the reply's payload.
   * Rejects with LibvirtError on an error reply, CallTimeoutError when no
   * reply comes in time, ConnectionClosedError when the connection ends first.
   */
  call(procedure: number, args?: Buffer, timeoutMs = this.callTimeoutMs): Promise<Buffer> {
    const name = procedureName(procedure);
    if (this.isClosed || this.closing) {
      return Promise.reject(
        new ConnectionClosedError(`cannot call ${name}: the connection to ${this.address} is closed`)
      );
    }
    const serial = this.takeSerial();
    const message = encodeMessage(
      {
        program: REMOTE_PROGRAM,
        version: REMOTE_PROTOCOL_VERSION,
        procedure,
        type: MessageType.CALL,
        serial,
        status: MessageStatus.OK,
      },
      args
    );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // A reply arriving later finds no pending call and is discarded.
        this.pending.delete(serial);
        reject(new CallTimeoutError(name, timeoutMs));
      }, timeoutMs);
      this.pending.set(serial, { procedure: name, resolve, reject, timer });
      this.send(message);
    });
  }

  /**
   * Queues a message; every message queued in the same tick leaves in one
   * write when the tick ends. A round's per-domain calls are issued many at
   * once (each reply lets the next call go): one syscall each would cost
   * more than encoding them.
   */
  private send(message: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(message);
  }

  /** Closes the socket; pending calls reject with ConnectionClosedError. */
  close(): Promise<void> {
    if (this.isClosed) {
      return Promise.resolve();
    }
    this.closing = true;
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      // A peer that never acknowledges the FIN must not keep us waiting.
      setTimeout(() => this.socket.destroy(), this.callTimeoutMs).unref();
    });
  }

  private takeSerial(): number {
    const serial = this.nextSerial;
    this.nextSerial = serial === 0xffff_ffff ? 1 : serial + 1;
    return serial;
  }

  private onData(chunk: Buffer): void {
    try {
      this.parser.parse(chunk, (message) => this.onMessage(message));
    } catch (error) {
      this.socket.destroy(error instanceof Error ? error : new ProtocolError(String(error)));
    }
  }

  private onMessage({ header, payload }: Message): void {
    if (header.program === KEEPALIVE_PROGRAM) {
      if (header.procedure === KeepaliveProcedure.PING) {
        this.sendPong();
      }
      return;
    }
    if (header.program !== REMOTE_PROGRAM) {
      return;
    }
    if (header.type === MessageType.MESSAGE) {
      if (header.status === MessageStatus.OK) {
        this.emit('message', header.procedure, payload);
      }
      return;
    }
    if (header.type !== MessageType.REPLY) {
      // Streams: this client opens none.
      return;
    }
    const call = this.pending.get(header.serial);
    if (!call) {
      return; // the reply to a call that already timed out
    }
    this.pending.delete(header.serial);
    clearTimeout(call.timer);
    if (header.status === MessageStatus.OK) {
      call.resolve(payload);
      return;
    }
    try {
      call.reject(decodeError(payload, call.procedure));
    } catch (error) {
      call.reject(new ProtocolError(`undecodable error reply to ${call.procedure}: ${(error as Error).message}`));
    }
  }

  private sendPong(): void {
    this.send(
      encodeMessage({
        program: KEEPALIVE_PROGRAM,
        version: KEEPALIVE_PROTOCOL_VERSION,
        procedure: KeepaliveProcedure.PONG,
        type: MessageType.MESSAGE,
        serial: 0,
        status: MessageStatus.OK,
      })
    );
  }

  private onClose(): void {
    this.isClosed = true;
    const requested = this.closing && this.closeError === undefined;
    const error = requested
      ? undefined
      : (this.closeError ?? new ConnectionClosedError(`libvirtd closed the connection (${this.address})`));
    const reason = error ? `: ${error.message}` : '';
    for (const call of this.pending.values()) {
      clearTimeout(call.timer);
      call.reject(
        new ConnectionClosedError(
          `connection to ${this.address} closed before ${call.procedure} was answered${reason}`,
          {
            cause: error,
          }
        )
      );
    }
    this.pending.clear();
    this.emit('close', error);
  }
}

async function createSocket(options: TransportOptions): Promise<{ socket: net.Socket; address: string; readyEvent: string }> {
  if (options.socketPath !== undefined) {
    return {
      socket: net.createConnection({ path: options.socketPath }),
      address: options.socketPath,
      readyEvent: 'connect',
    };
  }
  if (options.host === undefined) {
    throw new TypeError('libvirt transport needs socketPath or host');
  }
  const host = options.host;
  if (options.tls) {
    const port = options.port ?? DEFAULT_TLS_PORT;
    // Loaded only for a TLS connection: megabytes of resident memory otherwise.
    const tls = await import('node:tls');
    const socket = tls.connect({
      host,
      port,
      ca: options.tls.ca,
      cert: options.tls.cert,
      key: options.tls.key,
      servername: options.tls.servername ?? (net.isIP(host) ? undefined : host),
    });
    socket.setNoDelay(true);
    return { socket, address: `${host}:${port} (TLS)`, readyEvent: 'secureConnect' };
  }
  const port = options.port ?? DEFAULT_TCP_PORT;
  // noDelay: pipelined calls must not wait for Nagle's algorithm.
  return {
    socket: net.createConnection({ host, port, noDelay: true }),
    address: `${host}:${port}`,
    readyEvent: 'connect',
  };
}

function connectError(error: NodeJS.ErrnoException, address: string, isUnixSocket: boolean): ConnectFailedError {
  const code = error.code;
  if (isUnixSocket && code === 'ENOENT') {
    return new SocketMissingError(address, { cause: error });
  }
  if (isUnixSocket && (code === 'EACCES' || code === 'EPERM')) {
    return new PermissionDeniedError(address, code, { cause: error });
  }
  if (code === 'ECONNREFUSED') {
    return new ConnectFailedError(`nothing accepts connections at ${address}: is libvirtd running?`, code, address, {
      cause: error,
    });
  }
  return new ConnectFailedError(`cannot connect to libvirt at ${address}: ${error.message}`, code, address, {
    cause: error,
  });
}
