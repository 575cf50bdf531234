// Where batches of line protocol go: one of InfluxDB's write endpoints, sent by
// @influxdata/influxdb-client's HTTP transport over one keep-alive connection
// reused from request to request. The two APIs differ only in path, query and
// credentials:
//   v2: /api/v2/write (InfluxDB 1.8+, 2.x, 3.x), the client's "Token" authorization;
//   v1: /write (InfluxDB before 1.8, e.g. Debian's 1.6), Basic authentication.
// Each write is one request; the caller owns batching, order and retries, so the
// client's own batching write API (buffers, timers, retries) is not used.

import { HttpError, InfluxDB, type Transport } from '@influxdata/influxdb-client';
import http from 'node:http';
import https from 'node:https';

/** How much of an error answer goes into the error's message. */
const ERROR_BODY_CHARS = 500;

/** A failed write, with whether sending the same lines again may succeed. */
export class WriteError extends Error {
  constructor(
    message: string,
    /** false: InfluxDB refused the data itself (HTTP 400/413); sending it again cannot help. */
    readonly retryable: boolean,
    readonly status?: number
  ) {
    super(message);
    this.name = 'WriteError';
  }
}

export interface WriteTarget {
  /** Human-readable destination for logs (never holds credentials). */
  readonly description: string;
  write(lines: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface CommonTargetOptions {
  url: string;
  timeoutMs: number;
  /** Bodies larger than this many bytes are gzip-compressed. */
  gzipThresholdBytes: number;
}

export interface V2TargetOptions extends CommonTargetOptions {
  /** InfluxDB 2.x token; on 1.8 "user:password" (or empty when auth is off). */
  token: string;
  org: string;
  /** Bucket; on 1.8 "database/retention-policy". */
  bucket: string;
}

export interface V1TargetOptions extends CommonTargetOptions {
  database: string;
  retentionPolicy: string;
  username: string;
  password: string;
}

function classifyStatus(status: number, body: string): WriteError {
  const detail = body.trim().slice(0, ERROR_BODY_CHARS);
  // 400 and 413: the server refused these lines; anything else (auth, missing
  // database or bucket, 5xx, 429) may be fixed while the lines wait.
  const retryable = status !== 400 && status !== 413;
  return new WriteError(`InfluxDB answered HTTP ${status}${detail ? `: ${detail}` : ''}`, retryable, status);
}

function urlWithoutCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString().replace(/\/$/, '');
}

/** POSTs line protocol to one write endpoint of InfluxDB. */
export class HttpWriteTarget implements WriteTarget {
  private readonly transport: Transport;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  // One connection kept open: a new TCP (and TLS) set-up every second would
  // cost more than the request itself.
  private readonly agent: http.Agent;

  constructor(
    url: string,
    path: string,
    query: URLSearchParams,
    readonly description: string,
    credentials: { token: string; authorization: string },
    private readonly options: CommonTargetOptions
  ) {
    const base = urlWithoutCredentials(url);
    this.agent = base.startsWith('https:') ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
    // The client sends "Authorization: Token <token>" when it has a token (v2).
    const client = new InfluxDB({ url: base, timeout: options.timeoutMs, transportOptions: { agent: this.agent }, ...(credentials.token ? { token: credentials.token } : {}) });
    this.transport = client.transport;
    this.path = `${path}?${query}`;
    this.headers = { 'content-type': 'text/plain; charset=utf-8', ...(credentials.authorization ? { authorization: credentials.authorization } : {}) };
  }

  async write(lines: string[]): Promise<void> {
    try {
      await this.transport.request(this.path, lines.join('\n') + '\n', {
        method: 'POST',
        headers: this.headers,
        gzipThreshold: this.options.gzipThresholdBytes,
      });
    } catch (error) {
      if (error instanceof HttpError) {
        throw classifyStatus(error.statusCode, error.body ?? error.message);
      }
      const e = error as NodeJS.ErrnoException;
      throw new WriteError(`InfluxDB unreachable: ${e.code ?? e.message}`, true);
    }
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

/** /api/v2/write: InfluxDB 1.8+, 2.x, 3.x. */
export function v2WriteTarget(options: V2TargetOptions): HttpWriteTarget {
  const query = new URLSearchParams({ org: options.org, bucket: options.bucket, precision: 'ms' });
  const description = `${urlWithoutCredentials(options.url)} (v2 write API, bucket ${options.bucket})`;
  return new HttpWriteTarget(options.url, '/api/v2/write', query, description, { token: options.token, authorization: '' }, options);
}

/** /write: InfluxDB 1.x, the only write endpoint before 1.8. */
export function v1WriteTarget(options: V1TargetOptions): HttpWriteTarget {
  const query = new URLSearchParams({ db: options.database, precision: 'ms' });
  if (options.retentionPolicy) {
    query.set('rp', options.retentionPolicy);
  }
  const description = `${urlWithoutCredentials(options.url)} (v1 /write, database ${options.database})`;
  const authorization = options.username
    ? `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`
    : undefined;
  return new HttpWriteTarget(options.url, '/write', query, description, { token: '', authorization: authorization ?? '' }, options);
}
