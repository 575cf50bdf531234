// Real InfluxDB servers for integration tests, started through the
// project's scripts/influxdb/start.sh <version> <dir> (sourceable INFLUX_*
// lines on stdout) and stopped with scripts/influxdb/stop.sh <dir>.
// VMT_INFLUX_START_SCRIPT overrides the start script's path.
//
// A server that cannot start skips the test, except under CI=true, where
// the test fails with the script's message: CI must not pass by skipping.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import type { InfluxSettings } from '../../src/influx/create-target.js';

const execFileAsync = promisify(execFile);
const repoRoot = new URL('../../../', import.meta.url).pathname;

export type InfluxVersion = '1.6' | '1.8' | '2.7';

export interface InfluxServer {
  version: InfluxVersion;
  url: string;
  database: string;
  retentionPolicy: string;
  token: string;
  org: string;
  bucket: string;
  pid: number;
  dir: string;
}

export function parseInfluxEnv(output: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of output.split('\n')) {
    const line = raw.trim().replace(/^export\s+/, '');
    const match = /^(INFLUX_[A-Z0-9_]+)=(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!;
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    env[match[1]!] = value;
  }
  return env;
}

function startScript(): string {
  return process.env['VMT_INFLUX_START_SCRIPT'] ?? join(repoRoot, 'scripts/influxdb/start.sh');
}

/** Starts a server for this test, or skips (fails under CI=true) when none can start. Stopped when the test ends. */
export async function startInflux(t: TestContext, version: InfluxVersion): Promise<InfluxServer | undefined> {
  const script = startScript();
  const unavailable = (why: string): undefined => {
    if (process.env['CI'] === 'true') throw new Error(`InfluxDB ${version} is required under CI=true but cannot start: ${why}`);
    t.skip(`InfluxDB ${version} cannot start here (CI=true would fail): ${why}`);
    return undefined;
  };
  if (!existsSync(script)) return unavailable(`start script ${script} missing`);
  const dir = mkdtempSync(join(tmpdir(), `vmt-influx-${version}-`));
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(script, [version, dir], { timeout: 10 * 60_000 }));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const e = error as { message: string; stdout?: string; stderr?: string };
    return unavailable(`${script} ${version} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  const env = parseInfluxEnv(stdout);
  const server: InfluxServer = {
    version,
    url: env['INFLUX_URL'] ?? '',
    database: env['INFLUX_DB'] ?? env['INFLUX_DATABASE'] ?? '',
    retentionPolicy: env['INFLUX_RP'] ?? env['INFLUX_RETENTION_POLICY'] ?? '',
    token: env['INFLUX_TOKEN'] ?? '',
    org: env['INFLUX_ORG'] ?? '',
    bucket: env['INFLUX_BUCKET'] ?? '',
    pid: Number(env['INFLUX_PID'] ?? 0),
    dir,
  };
  t.after(() => stopInflux(server));
  if (!server.url || !server.database) throw new Error(`${script} ${version} printed no INFLUX_URL or INFLUX_DB:\n${stdout}`);
  return server;
}

async function stopInflux(server: InfluxServer): Promise<void> {
  const stopScript = join(dirname(startScript()), 'stop.sh');
  if (existsSync(stopScript)) await execFileAsync(stopScript, [server.dir], { timeout: 60_000 }).catch(() => {});
  await killAndWait(server.pid);
  rmSync(server.dir, { recursive: true, force: true });
}

// A killed server that nobody reaps stays a zombie that kill(pid, 0) still
// finds (the container's pid 1 does not reap): state Z counts as gone.
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function killAndWait(pid: number): Promise<void> {
  if (pid <= 0 || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 150 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * Stops the server process and returns a function that starts the same
 * command line again (same folder, same port, same data), whatever the
 * start script chose. The restarted process replaces server.pid.
 */
export async function stopForRestart(server: InfluxServer): Promise<() => Promise<void>> {
  const argv = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const environ = Object.fromEntries(
    readFileSync(`/proc/${server.pid}/environ`, 'utf8')
      .split('\0')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])
  );
  const cwd = readlinkSync(`/proc/${server.pid}/cwd`);
  await killAndWait(server.pid);
  return async () => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: environ, stdio: 'ignore', detached: true });
    child.unref();
    server.pid = child.pid!;
    for (let i = 0; i < 300; i++) {
      const ok = await fetch(`${server.url}/ping`).then((r) => r.status === 204, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`InfluxDB ${server.version} did not answer /ping after the restart`);
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
  if (server.token) headers['Authorization'] = `Token ${server.token}`;
  const response = await fetch(`${server.url}/query?${params}`, { headers });
  const body = (await response.json()) as { results?: { series?: InfluxQLSeries[]; error?: string }[]; error?: string };
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
