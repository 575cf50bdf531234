// Where batches of line protocol go: InfluxDB's v2 write API (1.8+, 2.x,
// 3.x) through @influxdata/influxdb-client, or the 1.x /write endpoint
// (InfluxDB before 1.8, e.g. Debian's 1.6). Each write is one request; the
// caller owns batching, order and retries.

import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { HttpError, InfluxDB, setLogger, type WriteApi } from '@influxdata/influxdb-client';

const gzipAsync = promisify(gzip);

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
  /** Most lines one write() gets (the library preallocates its buffer by this). */
  maxLinesPerWrite: number;
}

export interface V1TargetOptions extends CommonTargetOptions {
  database: string;
  retentionPolicy: string;
  username: string;
  password: string;
}

function classifyStatus(status: number, body: string): WriteError {
  const detail = body.trim().slice(0, 500);
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

// The library logs failed writes to the console by itself; the writer
// reports them (once per outage) in its own structured log instead.
setLogger({ error: () => {}, warn: () => {} });

export class V2WriteTarget implements WriteTarget {
  readonly description: string;
  private readonly writeApi: WriteApi;

  constructor(options: V2TargetOptions) {
    this.description = `${urlWithoutCredentials(options.url)} (v2 write API, bucket ${options.bucket})`;
    const influx = new InfluxDB({ url: options.url, token: options.token, timeout: options.timeoutMs });
    this.writeApi = influx.getWriteApi(options.org, options.bucket, 'ms', {
      // One request per write(): batching and retries are the caller's. The
      // library sends by itself when its buffer reaches batchSize, which would
      // escape flush()'s error: keep it one line larger than any write().
      batchSize: options.maxLinesPerWrite + 1,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 0,
      maxRetries: 0,
      maxBufferLines: 0,
      gzipThreshold: options.gzipThresholdBytes,
    });
  }

  async write(lines: string[]): Promise<void> {
    this.writeApi.writeRecords(lines);
    try {
      await this.writeApi.flush();
    } catch (error) {
      if (error instanceof HttpError) {
        throw classifyStatus(error.statusCode, error.body ?? error.message);
      }
      throw new WriteError(`InfluxDB unreachable: ${(error as Error).message}`, true);
    }
  }

  async close(): Promise<void> {
    await this.writeApi.dispose();
  }
}

export class V1WriteTarget implements WriteTarget {
  readonly description: string;
  private readonly endpoint: string;
  private readonly authorization: string | undefined;

  constructor(private readonly options: V1TargetOptions) {
    const base = urlWithoutCredentials(options.url);
    this.description = `${base} (v1 /write, database ${options.database})`;
    const query = new URLSearchParams({ db: options.database, precision: 'ms' });
    if (options.retentionPolicy) {
      query.set('rp', options.retentionPolicy);
    }
    this.endpoint = `${base}/write?${query}`;
    if (options.username) {
      this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    }
  }

  async write(lines: string[]): Promise<void> {
    const text = Buffer.from(lines.join('\n') + '\n');
    const compress = text.length > this.options.gzipThresholdBytes;
    const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
    if (compress) {
      headers['Content-Encoding'] = 'gzip';
    }
    if (this.authorization) {
      headers['Authorization'] = this.authorization;
    }
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers,
        body: compress ? await gzipAsync(text) : text,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new WriteError(`InfluxDB unreachable: ${cause ?? (error as Error).message}`, true);
    }
    const body = await response.text();
    if (response.status !== 204 && response.status !== 200) {
      throw classifyStatus(response.status, body);
    }
  }

  async close(): Promise<void> {}
}
