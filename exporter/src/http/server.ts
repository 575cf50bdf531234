// The exporter's HTTP port: /healthz, Prometheus /metrics, and the
// seed-compatible GET /api/telemetry/vm-telemetry. It faces whatever can
// reach the port, so every request gets a status and nothing a client
// sends can stop the process: the request target is parsed without
// throwing, header and request times are bounded, connections are capped
// (the one past the cap gets 503), and TLS and basic auth come from a
// Prometheus-style web config file.

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { BasicAuth } from './basic-auth.js';
import type { WebConfig } from './web-config.js';

export interface HttpHandlers {
  /** Health: ok, and details to show. */
  health(): { ok: boolean; details: object };
  metrics(): string;
  telemetry(): object;
}

export interface HttpLimits {
  /** Time for a client to send the whole request head. */
  headersTimeoutMs: number;
  /** Time for the whole request. */
  requestTimeoutMs: number;
  /**
   * An open connection with no traffic is closed after this, without a word: keep it longer
   * than headersTimeoutMs plus Node's check of it (up to 1 s later), or a silent client is
   * cut off before its 408.
   */
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Connections open at once; the next one is answered 503 and closed. */
  maxConnections: number;
  maxHeaderBytes: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 64,
  maxHeaderBytes: 16 * 1024,
};

export interface StartedServer {
  server: Server;
  /** host:port actually bound (port 0 picks a free one). */
  address: string;
  /** "http" or "https". */
  scheme: string;
  close(): Promise<void>;
}

const PATHS = ['/healthz', '/metrics', '/api/telemetry/vm-telemetry'];

/** The path of a request target (origin form or absolute form), or null when it is neither. Never throws. */
export function requestPath(target: string | undefined): string | null {
  if (!target) {
    return null;
  }
  if (target.startsWith('/')) {
    return target.split('?', 1)[0]!;
  }
  if (!/^https?:\/\//i.test(target)) {
    return null;
  }
  return URL.canParse(target) ? new URL(target).pathname : null;
}

export async function startHttpServer(
  listen: string,
  handlers: HttpHandlers,
  web: WebConfig = { users: new Map() },
  limits: HttpLimits = DEFAULT_HTTP_LIMITS
): Promise<StartedServer> {
  const separator = listen.lastIndexOf(':');
  const host = listen.slice(0, separator).replace(/^\[(.*)\]$/, '$1') || '0.0.0.0';
  const port = Number(listen.slice(separator + 1));
  const auth = new BasicAuth(web.users);

  const respond = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    const error = (status: number, message: string, headers: Record<string, string> = {}): void =>
      send(status, 'application/json', JSON.stringify({ error: message }), headers);

    if (request.method !== 'GET' && request.method !== 'HEAD') {
      error(405, `method not allowed: use GET`, { Allow: 'GET, HEAD' });
      return;
    }
    const path = requestPath(request.url);
    if (path === null) {
      error(400, 'the request target is not a path');
      return;
    }
    if (auth.enabled && !(await auth.check(request.headers.authorization))) {
      error(401, 'authentication required', { 'WWW-Authenticate': 'Basic realm="vm-telemetry-exporter", charset="UTF-8"' });
      return;
    }
    switch (path) {
      case '/healthz': {
        const { ok, details } = handlers.health();
        send(ok ? 200 : 503, 'application/json', JSON.stringify({ status: ok ? 'ok' : 'unhealthy', ...details }));
        return;
      }
      case '/metrics':
        send(200, 'text/plain; version=0.0.4; charset=utf-8', handlers.metrics());
        return;
      case '/api/telemetry/vm-telemetry':
        send(200, 'application/json', JSON.stringify(handlers.telemetry()));
        return;
      default:
        // The path is not echoed: it is the client's text.
        error(404, `no such path: try ${PATHS.join(', ')}`);
    }
  };

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    respond(request, response).catch((failure: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      response.writeHead(500, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      response.end(JSON.stringify({ error: (failure as Error).message }));
    });
  };

  const options = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    // How often Node checks the two timeouts above (default 30 s, longer than the limits).
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  };
  // node:https (and TLS with it) is loaded only for a TLS listener: megabytes of resident memory otherwise.
  const server: Server = web.tls
    ? (await import('node:https')).createServer({ ...options, cert: web.tls.cert, key: web.tls.key, minVersion: web.tls.minVersion }, listener)
    : createHttpServer(options, listener);
  server.setTimeout(limits.idleTimeoutMs, (socket: Socket) => socket.destroy());

  // The connection cap, counted here rather than with server.maxConnections,
  // which closes the connection without a word.
  let open = 0;
  server.on('connection', (socket: Socket) => {
    if (open >= limits.maxConnections) {
      if (web.tls) {
        socket.destroy();
      } else {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n');
      }
      socket.destroySoon?.();
      return;
    }
    open++;
    socket.once('close', () => open--);
  });
  // Malformed requests get Node's own 400/408/413/431 answer; a client that
  // went away mid-handshake or mid-request needs nothing.
  server.on('tlsClientError', () => {});
  // CONNECT bypasses the request listener; without this Node closes the socket without a status.
  server.on('connect', (_request: IncomingMessage, socket: Socket) => {
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  return await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const bound = server.address() as AddressInfo;
      resolve({
        server,
        scheme: web.tls ? 'https' : 'http',
        address: `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
