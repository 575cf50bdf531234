// Real InfluxDB servers for integration tests, started through the
// project's scripts/influxdb/start.sh <version> <dir> and stopped with
// scripts/influxdb/stop.sh <dir>, which the scripts' owner watch also runs
// when the test process dies first. A server that cannot start skips the
// test (fails under CI=true).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { InfluxSettings } from '../../src/influx/create-target.js';
import { runScript, unavailable } from './scripts.js';

// The first start of 2.7 may build it (minutes).
const START_TIMEOUT_MS = 10 * 60_000;
const STOP_TIMEOUT_MS = 60_000;

export type InfluxVersion = '1.6' | '1.8' | '2.7';

export interface InfluxServer {
  version: InfluxVersion;
  url: string;
  database: string;
  retentionPolicy: string;
  token: string;
  org: string;
  bucket: string;
  dir: string;
}

/** Starts a server for this test, or skips (fails under CI=true) when none can start. Stopped when the test ends. */
export async function startInflux(t: TestContext, version: InfluxVersion): Promise<InfluxServer | undefined> {
  const dir = mkdtempSync(join(tmpdir(), `vmt-influx-${version}-`));
  t.after(async () => {
    await stopInflux(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  let env: Record<string, string>;
  try {
    env = await runScript('influxdb/start.sh', [version, dir], { timeoutMs: START_TIMEOUT_MS });
  } catch (error) {
    return unavailable(t, `InfluxDB ${version}`, (error as Error).message);
  }
  const server: InfluxServer = {
    version,
    url: env['INFLUX_URL'] ?? '',
    database: env['INFLUX_DB'] ?? '',
    retentionPolicy: env['INFLUX_RP'] ?? '',
    token: env['INFLUX_TOKEN'] ?? '',
    org: env['INFLUX_ORG'] ?? '',
    bucket: env['INFLUX_BUCKET'] ?? '',
    dir,
  };
  if (!server.url || !server.database) {
    throw new Error(`scripts/influxdb/start.sh ${version} printed no INFLUX_URL or INFLUX_DB`);
  }
  return server;
}

function stopInflux(dir: string): Promise<unknown> {
  return runScript('influxdb/stop.sh', [dir], { timeoutMs: STOP_TIMEOUT_MS });
}

/**
 * An outage: stops the server and returns a function that starts the same
 * server again (same port, data and credentials) through the start script,
 * so the restarted process is stopped like the first one.
 */
export async function stopForRestart(server: InfluxServer): Promise<() => Promise<void>> {
  await stopInflux(server.dir);
  return async () => {
    const env = await runScript('influxdb/start.sh', [server.version, server.dir], { timeoutMs: START_TIMEOUT_MS });
    if (env['INFLUX_URL'] !== server.url) {
      throw new Error(`InfluxDB ${server.version} restarted at ${env['INFLUX_URL']}, not at ${server.url}`);
    }
  };
}

export interface InfluxQLSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/** Runs InfluxQL over /query (1.x, and 2.x through its DBRP mapping). */
export async function influxQL(server: InfluxServer, query: string): Promise<InfluxQLSeries[]> {
  const params = new URLSearchParams({ db: server.database, q: query, epoch: 'ms' });
  const headers: Record<string, string> = {};
  if (server.token) {
    headers['Authorization'] = `Token ${server.token}`;
  }
  const response = await fetch(`${server.url}/query?${params}`, { headers });
  const body = (await response.json()) as { results?: Array<{ series?: InfluxQLSeries[]; error?: string }>; error?: string };
  if (!response.ok || body.error || body.results?.[0]?.error) {
    throw new Error(`InfluxQL ${query}: HTTP ${response.status} ${body.error ?? body.results?.[0]?.error ?? ''}`);
  }
  return body.results?.[0]?.series ?? [];
}

/** Writer settings for a test server. */
export function settingsFor(server: InfluxServer, api: 'v1' | 'v2'): InfluxSettings {
  return {
    api,
    url: server.url,
    token: server.token,
    username: '',
    password: '',
    org: server.org,
    bucket: server.bucket,
    database: server.database,
    retentionPolicy: server.retentionPolicy,
    timeoutMs: 5000,
    // Every body gzip-compressed: the compressed path is the one under test.
    gzipThresholdBytes: 0,
    batchSize: 2,
  };
}
