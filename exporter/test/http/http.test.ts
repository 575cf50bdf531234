import assert from 'node:assert/strict';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestPath, startHttpServer, type HttpLimits } from '../../src/http/server.js';
import { loadWebConfig } from '../../src/http/web-config.js';
import { idleConnection, rawExchange } from '../support/raw-http.js';
import { seedTimestamp, telemetryJson } from '../../src/http/telemetry-json.js';
import { ExporterMetrics } from '../../src/metrics.js';
import { LatestSamples } from '../../src/model/latest-samples.js';
import type { VmSample } from '../../src/model/sample.js';

const sample = (timeMs: number, over: Partial<VmSample>): VmSample => ({
  timeMs,
  vm: 'one-71',
  uuid: 'u1',
  host: 'h',
  domainId: 10,
  state: 'running',
  disks: [],
  interfaces: [],
  ...over,
});

test('seed JSON: newest values, rates from the last two samples, nulls where absent', () => {
  const latest = new LatestSamples();
  latest.update([sample(1000, { cpuUsagePercent: 40, diskReadBytes: 0n, networkRxBytes: 5n * 1048576n })]);
  latest.update([
    sample(2000, { cpuUsagePercent: 50, diskReadBytes: 1048576n, networkRxBytes: 1n }),
    sample(2000, { vm: 'new', uuid: 'u2', domainId: -1, state: 'shutoff' }),
  ]);
  const json = telemetryJson(latest.all(), Date.UTC(2025, 11, 4, 10, 30, 45, 123)) as { count: number; timestamp: string; vms: Array<Record<string, unknown>> };
  assert.equal(json.count, 2);
  assert.equal(json.timestamp, '2025-12-04T10:30:45.123000Z');
  const [newVm, vm] = json.vms;
  assert.equal(vm!['id'], 10);
  assert.equal(vm!['name'], 'one-71');
  assert.equal(vm!['cpu_usage_percent'], 50);
  assert.ok(Math.abs((vm!['cpu_rate'] as number) - 84.2894) < 1e-3, 'the seed example: 40 → 50 in 1 s');
  assert.equal(vm!['disk_read_rate'], 45, '1 MiB/s is 45°');
  assert.equal(vm!['network_rx_rate'], null, 'a counter that went down gives null');
  assert.equal(vm!['memory_usage_percent'], null);
  assert.equal(vm!['memory_rate'], null);
  assert.deepEqual(Object.keys(vm!), [
    'id', 'name', 'cpu_usage_percent', 'cpu_rate', 'memory_usage_percent', 'memory_rate', 'disk_read_bytes', 'disk_read_rate',
    'disk_write_bytes', 'disk_write_rate', 'network_rx_bytes', 'network_rx_rate', 'network_tx_bytes', 'network_tx_rate',
  ]);
  assert.equal(newVm!['name'], 'new');
  assert.equal(newVm!['cpu_rate'], null, 'first sample');
  assert.equal(seedTimestamp(0), '1970-01-01T00:00:00.000000Z');
});

test('seed JSON: a field read every 10 s keeps its newest value and the rate of its own last step', () => {
  const latest = new LatestSamples();
  latest.update([sample(0, { cpuUsagePercent: 20 })]);
  latest.update([sample(10_000, { cpuUsagePercent: 30 })]);
  for (let s = 11; s <= 19; s++) {
    latest.update([sample(s * 1000, {})]);
  }
  const [vm] = (telemetryJson(latest.all(), 19_500) as { vms: Array<Record<string, unknown>> }).vms;
  assert.equal(vm!['cpu_usage_percent'], 30);
  assert.equal(vm!['cpu_rate'], 45, '20 → 30 % in 10 s');
  latest.update([sample(20_000, { domainId: -1, state: 'shutoff' })]);
  const [off] = (telemetryJson(latest.all(), 20_000) as { vms: Array<Record<string, unknown>> }).vms;
  assert.equal(off!['cpu_usage_percent'], null, 'shut off: no value of the run that ended');
  latest.update([sample(21_000, { domainId: 11, cpuUsagePercent: 5 })]);
  latest.update([sample(22_000, { domainId: 11 })]);
  latest.update([sample(71_000, {})]);
  const [later] = (telemetryJson(latest.all(), 71_000) as { vms: Array<Record<string, unknown>> }).vms;
  assert.equal(later!['cpu_usage_percent'], null, 'a value a minute older than the VM\'s newest sample is not shown');
});

test('the HTTP port answers /healthz, /metrics and the seed JSON', async (t) => {
  const metrics = new ExporterMetrics();
  metrics.recordRound(0.25, 3, Date.now());
  metrics.countLibvirtError('timeout');
  metrics.statsGroups = [
    { group: 'cpu', source: 'domain', probedAtMs: 1_764_844_245_500 },
    { group: 'balloon', source: 'none', probedAtMs: 1_764_844_245_500 },
  ];
  metrics.fallbackIntervalSeconds = 10;
  let healthy = true;
  const server = await startHttpServer('127.0.0.1:0', {
    health: () => ({ ok: healthy, details: { vms: 3 } }),
    metrics: () => metrics.render({ enqueued: 9, written: 7, rejected: 1, writeErrors: 2, buffered: 4, failing: false }),
    telemetry: () => ({ count: 0, timestamp: 'x', vms: [] }),
  });
  t.after(() => server.close());
  const base = `http://${server.address}`;

  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok', vms: 3 });
  healthy = false;
  assert.equal((await fetch(`${base}/healthz`)).status, 503);

  const text = await (await fetch(`${base}/metrics`)).text();
  for (const line of [
    'vmt_samples_collected_total 3',
    'vmt_points_written_total 7',
    'vmt_points_buffered 4',
    'vmt_points_dropped_total{reason="rejected"} 1',
    'vmt_collection_duration_seconds_sum 0.25',
    'vmt_collection_duration_seconds_count 1',
    'vmt_libvirt_errors_total{kind="timeout"} 1',
    'vmt_stats_group_source{group="cpu",source="domain"} 1',
    'vmt_stats_group_source{group="cpu",source="bulk"} 0',
    'vmt_stats_group_source{group="balloon",source="none"} 1',
    'vmt_stats_group_probed_timestamp_seconds{group="cpu"} 1764844245.5',
    'vmt_stats_fallback_interval_seconds 10',
  ]) {
    assert.ok(text.split('\n').includes(line), `missing "${line}" in\n${text}`);
  }
  for (const line of text.trim().split('\n')) {
    assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{\w+="[^"]*"(,\w+="[^"]*")*\})? -?[\d.e+-]+)$/, 'Prometheus text format');
  }

  assert.deepEqual(await (await fetch(`${base}/api/telemetry/vm-telemetry`)).json(), { count: 0, timestamp: 'x', vms: [] });
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
});

const handlers = {
  health: () => ({ ok: true, details: {} }),
  metrics: () => 'vmt_vms 0\n',
  telemetry: () => ({ count: 0, timestamp: 'x', vms: [] }),
};

test('request targets that are no URL get a status, not a crash (GET //[ used to kill the process)', async (t) => {
  const server = await startHttpServer('127.0.0.1:0', handlers);
  t.after(() => server.close());
  for (const [target, status] of [
    ['//[', 404],
    ['/%', 404],
    ['/metrics?x=%ZZ', 200],
    ['http://[::1/metrics', 400],
    ['http://exporter/healthz', 200],
    ['*', 400],
    ['metrics', 400],
  ] as const) {
    const answer = await rawExchange(server.address, [`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
    assert.equal(answer.status, status, `GET ${target}: ${answer.text.slice(0, 200)}`);
  }
  const methods = await rawExchange(server.address, ['DELETE /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
  assert.equal(methods.status, 405);
  assert.match(methods.text, /\r\nAllow: GET, HEAD\r\n/i);
  const unknown = await rawExchange(server.address, ['BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n']);
  assert.equal(unknown.status, 400, 'a method the parser does not know');
  const huge = await rawExchange(server.address, [`GET /metrics HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(64 * 1024)}\r\n\r\n`]);
  assert.equal(huge.status, 431, 'headers past the bound');
  assert.deepEqual(requestPath('/a?b'), '/a');
  assert.equal(requestPath(''), null);
});

const shortLimits: HttpLimits = {
  headersTimeoutMs: 500,
  requestTimeoutMs: 1000,
  // Past the headers timeout and Node's check of it (500 + 500 ms) with room for a slow timer:
  // at 1000 ms the idle close raced the 408 and won on a loaded machine.
  idleTimeoutMs: 3000,
  keepAliveTimeoutMs: 500,
  maxConnections: 3,
  maxHeaderBytes: 16 * 1024,
};

test('a client sending its head byte by byte is cut off with 408, and so is a silent one', async (t) => {
  const server = await startHttpServer('127.0.0.1:0', handlers, undefined, shortLimits);
  t.after(() => server.close());
  const head = 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n\r\n';
  const slow = await rawExchange(server.address, [...head], 10_000, 100);
  assert.equal(slow.status, 408, slow.text);
  assert.ok(slow.closedByServer);
  const silent = await idleConnection(server.address);
  assert.match(await silent.closed, /^HTTP\/1\.1 408 /, 'a connection that sends nothing is closed with 408 too');
});

test('past the connection cap the next client gets 503, and the port serves again once they go', async (t) => {
  const server = await startHttpServer('127.0.0.1:0', handlers, undefined, { ...shortLimits, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, idleTimeoutMs: 60_000 });
  t.after(() => server.close());
  const held = await Promise.all([1, 2, 3].map(() => idleConnection(server.address)));
  await new Promise((r) => setTimeout(r, 100));
  const refused = await rawExchange(server.address, ['GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n']);
  assert.equal(refused.status, 503, refused.text);
  for (const { socket } of held) {
    socket.destroy();
  }
  await new Promise((r) => setTimeout(r, 100));
  const served = await rawExchange(server.address, ['GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
  assert.equal(served.status, 200);
});

test('basic auth: bcrypt users from the web config; 401 with a challenge otherwise', async (t) => {
  const users = new Map([['prometheus', bcrypt.hashSync('s3cret', 4)]]);
  const server = await startHttpServer('127.0.0.1:0', handlers, { users });
  t.after(() => server.close());
  const base = `http://${server.address}/metrics`;
  const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  const none = await fetch(base);
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm=/);
  assert.equal((await fetch(base, { headers: basic('prometheus', 'wrong') })).status, 401);
  assert.equal((await fetch(base, { headers: basic('nobody', 's3cret') })).status, 401);
  assert.equal((await fetch(base, { headers: { Authorization: 'Basic %%%' } })).status, 401);
  assert.equal((await fetch(base, { headers: basic('prometheus', 's3cret') })).status, 200);
  assert.equal((await fetch(base, { headers: basic('prometheus', 's3cret') })).status, 200, 'remembered');
});

test('web config file: the exporter-toolkit keys, relative file names, and unsupported keys refused by name', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vmt-web-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'cert.pem'), 'CERT');
  writeFileSync(join(dir, 'key.pem'), 'KEY');
  const hash = bcrypt.hashSync('x', 4);
  const file = join(dir, 'web.yml');
  writeFileSync(file, `tls_server_config:\n  cert_file: cert.pem\n  key_file: ${join(dir, 'key.pem')}\nbasic_auth_users:\n  prometheus: ${hash}\n`);
  const config = await loadWebConfig(file);
  assert.equal(config.tls?.cert.toString(), 'CERT');
  assert.equal(config.tls?.key.toString(), 'KEY');
  assert.equal(config.tls?.minVersion, 'TLSv1.2');
  assert.equal(config.users.get('prometheus'), hash);
  for (const [text, message] of [
    ['tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n  client_ca_file: ca.pem\n', /client_ca_file is not supported/],
    ['http_server_config:\n  http2: false\n', /http_server_config is not supported/],
    ['basic_auth_users:\n  prometheus: plain\n', /basic_auth_users.prometheus is not a bcrypt hash/],
    ['tls_server_config:\n  cert_file: missing.pem\n  key_file: key.pem\n', /cannot read tls_server_config.cert_file/],
    ['tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n  min_version: TLS10\n', /min_version must be TLS12 or TLS13/],
    ['a: [', /web config file/],
  ] as const) {
    writeFileSync(file, text);
    await assert.rejects(loadWebConfig(file), message, text);
  }
});
