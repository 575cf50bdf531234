// The exporter's HTTP port: /healthz, Prometheus /metrics, and the
// seed-compatible GET /api/telemetry/vm-telemetry.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpHandlers {
  /** Health: ok, and details to show. */
  health(): { ok: boolean; details: object };
  metrics(): string;
  telemetry(): object;
}

export interface StartedServer {
  server: Server;
  /** host:port actually bound (port 0 picks a free one). */
  address: string;
  close(): Promise<void>;
}

export function startHttpServer(listen: string, handlers: HttpHandlers): Promise<StartedServer> {
  const separator = listen.lastIndexOf(':');
  const host = listen.slice(0, separator).replace(/^\[(.*)\]$/, '$1') || '0.0.0.0';
  const port = Number(listen.slice(separator + 1));

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://exporter').pathname;
    const send = (status: number, type: string, body: string): void => {
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(405, 'application/json', JSON.stringify({ error: `method ${request.method} not allowed: use GET` }));
      return;
    }
    try {
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
          send(404, 'application/json', JSON.stringify({ error: `no such path ${path}: try /healthz, /metrics, /api/telemetry/vm-telemetry` }));
      }
    } catch (error) {
      send(500, 'application/json', JSON.stringify({ error: (error as Error).message }));
    }
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const bound = server.address() as AddressInfo;
      resolve({
        server,
        address: `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
