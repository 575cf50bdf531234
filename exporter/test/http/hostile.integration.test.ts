// Hostile clients against the running exporter (the CLI as an operator
// starts it): fuzzed request lines, methods and headers, slow clients
// holding every connection, and TLS with basic auth from a web config
// file. Every input must get an HTTP status and the process must live on.
// Counts go to the test's diagnostics (inputs tried, statuses, crashes).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import bcrypt from 'bcryptjs';
import { eventually, ExporterProcess } from '../support/exporter-process.js';
import { idleConnection, rawExchange } from '../support/raw-http.js';

/** The exporter with nothing to read or write to: only its HTTP port matters here. */
function startExporter(t: TestContext, extra: string[] = []): ExporterProcess {
  const dir = mkdtempSync(join(tmpdir(), 'vmt-hostile-http-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return ExporterProcess.start(t, [
    '--libvirt-socket', join(dir, 'no-libvirt-sock'),
    '--influx-url', 'http://127.0.0.1:9',
    '--listen', '127.0.0.1:0',
    ...extra,
  ]);
}

// Deterministic pseudo-random choices (mulberry32), so a failure replays.
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PATCH', 'PROPFIND', 'get', 'G ET', 'GET\0', 'BREW', 'X'.repeat(300), '', 'ÄÖ', 'GET\t'];
const TARGETS = [
  '/', '/metrics', '/healthz', '/api/telemetry/vm-telemetry', '//[', '//', '/%', '/%00', '/%ZZ', '/..%2f..%2fetc/passwd', '/metrics?%',
  '/metrics#x', '*', '', 'metrics', 'http://[::1', 'http://exporter/metrics', 'https://a:b@exporter/healthz', 'ftp://x/',
  `/${'a'.repeat(8000)}`, `/${'%'.repeat(4000)}`, '/ü', '/\u{1F600}', '/a b', '/\x7f', '/\x01', '/?' + '&'.repeat(2000), '[', '\\',
];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1 extra', 'HTTP/9.9', 'http/1.1', 'HTTP/1', '', 'HTTP/1.1\0'];
const HEADERS = [
  'Host: x', 'Host: x\r\nHost: y', '', 'Content-Length: -1', 'Content-Length: 5\r\nTransfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked',
  'Content-Length: 99999999999999999999', 'Content-Length: 3\r\n\r\nabc', 'Transfer-Encoding: chunked\r\n\r\nzz\r\n', 'X:\0', 'X: a\r\n b',
  ' Leading: space', 'No-Colon', ': empty-name', `X-Big: ${'b'.repeat(20_000)}`, 'Authorization: Basic ', 'Authorization: Basic %%%%',
  `Authorization: Basic ${Buffer.from('a'.repeat(5000)).toString('base64')}`, 'Connection: upgrade\r\nUpgrade: websocket', 'Expect: 100-continue',
  'Accept-Encoding: ' + 'gzip,'.repeat(1000), 'X-\u00ff: \u00ff', 'Cookie: ' + 'c=1; '.repeat(500), 'Range: bytes=0-1,2-3',
];
const RAW = [
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', 'GET /metrics HTTP/1.1\n\n', 'GET /metrics\r\n\r\n',
  'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET //[ HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', '\0'.repeat(100), 'GET',
];

describe('the exporter HTTP port under hostile input', { timeout: 10 * 60_000 }, () => {
  test('fuzzed request lines, methods and headers: every input gets a status, the process lives on', async (t) => {
    const exporter = startExporter(t);
    const address = (await exporter.httpBase()).replace('http://', '');
    const next = random(12);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
    const inputs: Array<{ bytes: Buffer; label: string }> = RAW.map((text) => ({ bytes: Buffer.from(text, 'latin1'), label: JSON.stringify(text.slice(0, 60)) }));
    for (let i = 0; i < 600; i++) {
      const line = `${pick(METHODS)} ${pick(TARGETS)} ${pick(VERSIONS)}`;
      const headers = [pick(HEADERS), next() < 0.5 ? pick(HEADERS) : ''].filter(Boolean);
      const text = `${line}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
      // Half the inputs as UTF-8, half as raw bytes (the parser sees both).
      inputs.push({ bytes: Buffer.from(text, next() < 0.5 ? 'utf8' : 'latin1'), label: JSON.stringify(text.slice(0, 120)) });
    }
    const statuses = new Map<number | null, number>();
    const unanswered: string[] = [];
    for (const [i, input] of inputs.entries()) {
      // The client's side is ended after the input: an unfinished request then ends in the parser's 400, not in a wait.
      const answer = await rawExchange(address, [input.bytes], 15_000, 0, true);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status === null) {
        unanswered.push(`input ${i} ${input.label}: ${JSON.stringify(answer.text.slice(0, 100))}`);
      }
      assert.equal(exporter.exitCode, null, `the exporter exited after input ${i} ${input.label}:\n${exporter.stderrText}`);
    }
    assert.deepEqual(unanswered, [], 'inputs without a status');
    // Empty lines before a request line are skipped (RFC 9112 2.2): no request, so closing without a word is the answer.
    const blank = await rawExchange(address, ['\r\n\r\n'], 15_000, 0, true);
    assert.ok(blank.closedByServer && blank.text === '', JSON.stringify(blank));
    const health = await fetch(`http://${address}/healthz`);
    assert.equal(health.status, 503, 'still answering (unhealthy: no libvirt here)');
    assert.equal((await fetch(`http://${address}/metrics`)).status, 200);
    assert.equal(exporter.exitCode, null);
    t.diagnostic(`inputs ${inputs.length}, crashes 0, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  });

  test('slow clients holding every connection: the next gets 503, the slow ones 408 after the header timeout, then the port serves', async (t) => {
    const exporter = startExporter(t, ['--web-max-connections', '8']);
    const address = (await exporter.httpBase()).replace('http://', '');
    // Eight clients sending a header line each second, never finishing.
    const slow = await Promise.all(Array.from({ length: 8 }, () => idleConnection(address)));
    const dribble = setInterval(() => {
      for (const { socket } of slow) {
        if (!socket.destroyed) {
          socket.write('X-Slow: 1\r\n');
        }
      }
    }, 1000);
    t.after(() => clearInterval(dribble));
    for (const { socket } of slow) {
      socket.write('GET /metrics HTTP/1.1\r\n');
    }
    await new Promise((r) => setTimeout(r, 200));
    const refused = await rawExchange(address, ['GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n']);
    assert.equal(refused.status, 503, refused.text);
    const answers = await Promise.all(slow.map(({ closed }) => closed));
    for (const answer of answers) {
      assert.match(answer, /^HTTP\/1\.1 408 /, 'the header timeout ends each slow client');
    }
    clearInterval(dribble);
    // The client reads the 408 before the server has seen that socket close (which frees
    // its place under the cap): the port serves once the server has.
    await eventually(
      'the port serving after the slow clients are gone',
      async () => ((await fetch(`http://${address}/metrics`)).status === 200 ? true : undefined),
      10_000
    );
    assert.equal(exporter.exitCode, null);
    t.diagnostic(`slow clients 8, refused at the cap 1, ended by 408: ${answers.length}`);
  });

  test('TLS and basic auth from a web config file, as Prometheus exporters take them', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'vmt-hostile-tls-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    writeFileSync(join(dir, 'web.yml'), [
      'tls_server_config:',
      '  cert_file: cert.pem',
      '  key_file: key.pem',
      'basic_auth_users:',
      `  prometheus: ${bcrypt.hashSync('scrape-me', 10)}`,
      '',
    ].join('\n'));
    const exporter = startExporter(t, ['--web-config-file', join(dir, 'web.yml')]);
    const base = await exporter.httpBase();
    assert.match(base, /^https:\/\//);
    const ca = execFileSync('cat', [join(dir, 'cert.pem')]);
    const get = (auth?: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request(`${base}/metrics`, { ca, headers: auth ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {} }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
    assert.equal(await get(), 401);
    assert.equal(await get('prometheus:wrong'), 401);
    assert.equal(await get('prometheus:scrape-me'), 200);
    // Plain HTTP on the TLS port: refused by the handshake, the process lives on.
    const plain = await rawExchange(base.replace('https://', ''), ['GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'], 3000, 0, true);
    assert.equal(plain.status, null);
    assert.equal(await get('prometheus:scrape-me'), 200);
    assert.equal(exporter.exitCode, null);
    const started = exporter.logs.find((l) => l.msg === 'exporter started')!;
    assert.equal(started['authentication'], true);
    assert.doesNotMatch(exporter.stderrText, /scrape-me|\$2[aby]\$/, 'neither the password nor its hash in the log');
  });
});
