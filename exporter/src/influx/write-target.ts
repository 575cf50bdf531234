// Where batches of line protocol go: one of InfluxDB's write endpoints, over
// one keep-alive HTTP(S) connection reused from request to request. The two
// APIs differ only in path, query and credentials:
//   v2: /api/v2/write (InfluxDB 1.8+, 2.x, 3.x), "Authorization: Token …";
//   v1: /write (InfluxDB before 1.8, e.g. Debian's 1.6), Basic authentication.
// Each write is one request; the caller owns batching, order and retries.

import http from 'node:http';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';

const gzipAsync = promisify(gzip);

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
  private readonly endpoint: URL;
  // One connection kept open: a new TCP (and TLS) set-up every second would
  // cost more than the request itself. For https, node:https (and TLS) is
  // loaded on the first write: megabytes of resident memory otherwise.
  private transport: Promise<{ request: typeof http.request; agent: http.Agent }> | undefined;

  constructor(
    url: string,
    path: string,
    query: URLSearchParams,
    readonly description: string,
    private readonly authorization: string | undefined,
    private readonly options: CommonTargetOptions
  ) {
    this.endpoint = new URL(`${urlWithoutCredentials(url)}${path}?${query}`);
  }

  private connection(): Promise<{ request: typeof http.request; agent: http.Agent }> {
    this.transport ??= (this.endpoint.protocol === 'https:' ? import('node:https') : Promise.resolve(http)).then((client) => ({
      request: client.request,
      agent: new client.Agent({ keepAlive: true, maxSockets: 1 }),
    }));
    return this.transport;
  }

  async write(lines: string[]): Promise<void> {
    const text = Buffer.from(lines.join('\n') + '\n');
    const compress = text.length > this.options.gzipThresholdBytes;
    const body = compress ? await gzipAsync(text) : text;
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': body.length,
    };
    if (compress) {
      headers['Content-Encoding'] = 'gzip';
    }
    if (this.authorization) {
      headers['Authorization'] = this.authorization;
    }
    const { status, text: answer } = await this.post(await this.connection(), body, headers);
    if (status !== 204 && status !== 200) {
      throw classifyStatus(status, answer);
    }
  }

  private post(
    { request: send, agent }: { request: typeof http.request; agent: http.Agent },
    body: Buffer,
    headers: http.OutgoingHttpHeaders
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const unreachable = (error: NodeJS.ErrnoException): void =>
        reject(new WriteError(`InfluxDB unreachable: ${error.code ?? error.message}`, true));
      const request = send(this.endpoint, { method: 'POST', headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          // Only the start of an error answer is reported; the rest is read and dropped.
          if (kept < ERROR_BODY_CHARS * 4) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', unreachable);
      });
      request.setTimeout(this.options.timeoutMs, () =>
        request.destroy(Object.assign(new Error(`no answer within ${this.options.timeoutMs} ms`), { code: 'ETIMEDOUT' }))
      );
      request.on('error', unreachable);
      request.end(body);
    });
  }

  async close(): Promise<void> {
    (await this.transport)?.agent.destroy();
  }
}

/** /api/v2/write: InfluxDB 1.8+, 2.x, 3.x. */
export function v2WriteTarget(options: V2TargetOptions): HttpWriteTarget {
  const query = new URLSearchParams({ org: options.org, bucket: options.bucket, precision: 'ms' });
  const description = `${urlWithoutCredentials(options.url)} (v2 write API, bucket ${options.bucket})`;
  return new HttpWriteTarget(options.url, '/api/v2/write', query, description, options.token ? `Token ${options.token}` : undefined, options);
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
  return new HttpWriteTarget(options.url, '/write', query, description, authorization, options);
}
