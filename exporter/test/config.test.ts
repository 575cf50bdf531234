import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, helpText, optionTable, parseCommandLine, redactedConfig, redactedUrl } from '../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'vmt-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

test('defaults: the read-only socket, qemu:///system, 1 s', () => {
  const { config } = parseCommandLine(['--once'], {});
  assert.equal(config!.libvirt.socket, '/run/libvirt/libvirt-sock-ro');
  assert.equal(config!.libvirt.uri, 'qemu:///system');
  assert.equal(config!.libvirt.readOnly, true);
  assert.equal(config!.intervalMs, 1000);
  assert.equal(config!.influx.api, 'v2');
});

test('flags beat the environment, which beats the config file', () => {
  const path = file('c.json', JSON.stringify({ libvirt: { uri: 'test:///file' }, interval: '5s', host: 'from-file', influx: { url: 'http://file:8086', retentionPolicy: 'rp1' } }));
  const env = { VMT_CONFIG: path, VMT_LIBVIRT_URI: 'test:///env', VMT_INTERVAL: '2s' };
  const { config } = parseCommandLine(['--libvirt-uri', 'test:///flag'], env);
  assert.equal(config!.libvirt.uri, 'test:///flag');
  assert.equal(config!.intervalMs, 2000);
  assert.equal(config!.host, 'from-file');
  assert.equal(config!.influx.retentionPolicy, 'rp1');
  assert.equal(parseCommandLine([`--config=${path}`, '--interval=250ms'], {}).config!.intervalMs, 250);
});

test('booleans, durations and integers from every source', () => {
  const { config } = parseCommandLine(['--once', '--no-libvirt-read-only', '--buffer-max-points', '10', '--influx-timeout', '1.5'], {
    VMT_LISTEN: '',
  });
  assert.equal(config!.libvirt.readOnly, false);
  assert.equal(config!.buffer.maxPoints, 10);
  assert.equal(config!.influx.timeoutMs, 1500);
  assert.equal(config!.listen, '');
  assert.equal(parseCommandLine(['--once'], { VMT_LIBVIRT_READ_ONLY: 'false' }).config!.libvirt.readOnly, false);
});

test('secrets come from files and are never shown', () => {
  const tokenFile = file('token', 's3cret-token\n');
  const { config } = parseCommandLine(['--influx-url', 'http://x:8086', '--influx-token-file', tokenFile], { VMT_INFLUX_PASSWORD: 'pw' });
  assert.equal(config!.influx.token, 's3cret-token');
  const shown = JSON.stringify(redactedConfig(config!));
  assert.ok(!shown.includes('s3cret') && !shown.includes('"pw"'), shown);
  assert.ok(!helpText().includes('s3cret'));
});

test('bad settings are refused with the setting named', () => {
  const bad: Array<[string[], Record<string, string>, RegExp]> = [
    [['--bogus'], {}, /unknown option --bogus/],
    [[], {}, /no InfluxDB URL/],
    [['--once', '--interval', 'fast'], {}, /--interval: "fast" is not a duration/],
    [['--once'], { VMT_INFLUX_BATCH_SIZE: '-3' }, /VMT_INFLUX_BATCH_SIZE: expected a non-negative integer/],
    [['--once', '--influx-api', 'v3'], {}, /--influx-api: "v3" is not one of v1, v2/],
    [['--influx-url', 'ftp://x'], {}, /must start with http/],
    [['--once', '--listen', 'nope'], {}, /not host:port/],
    [['--once', '--host', 'rack1/kvm1'], {}, /--host: "rack1\/kvm1" holds "\/": a VM is referred to as <host>\/<name>/],
    [['--once'], { VMT_HOST: 'kvm1\n' }, /--host: "kvm1\\n" holds "\\n"/],
    [['--once', '--host', ' kvm1'], {}, /--host: " kvm1" begins or ends with white space/],
    [['--once', '--libvirt-tls-ca', '/ca.pem'], {}, /needs all three/],
    [['--once', '--config', file('bad.json', '{"influx": {"urll": "x"}}')], {}, /unknown setting influx\.urll/],
    [['--once', '--config', file('broken.json', '{')], {}, /config file .*broken\.json/],
    [['--once', '--config', join(dir, 'missing.json')], {}, /missing\.json/],
    [['--once', '--influx-token-file', join(dir, 'nope')], {}, /cannot read the token file/],
    [['--once', '--log-level', 'loud'], {}, /--log-level: "loud" is not one of debug, info, warn, error/],
    [['--once'], { VMT_INFLUX_API: 'v9' }, /VMT_INFLUX_API: "v9" is not one of v1, v2/],
  ];
  for (const [argv, env, message] of bad) {
    assert.throws(() => parseCommandLine(argv, env), (error: Error) => error instanceof ConfigError && message.test(error.message), argv.join(' '));
  }
});

test('every setting reaches Config at its config key, a duration as <key>Ms in milliseconds', () => {
  const { config } = parseCommandLine(['--once', '--influx-retry-initial', '2s'], {});
  for (const option of optionTable()) {
    const path = option.key.split('.');
    const parent = path.slice(0, -1).reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, config as unknown as Record<string, unknown>);
    assert.ok(path.at(-1)! in parent || `${path.at(-1)}Ms` in parent, option.key);
  }
  assert.equal(config!.influx.retryInitialMs, 2000);
  assert.equal(config!.shutdownTimeoutMs, 10_000);
});

test('--help lists every setting with its flag and variable', () => {
  const help = helpText();
  for (const option of optionTable()) {
    assert.ok(help.includes(option.flag) && help.includes(option.env), option.flag);
  }
  assert.equal(parseCommandLine(['--help'], {}).help, true, '--help works without other settings');
});

test('the README documents every setting with its variable and default', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const option of optionTable()) {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${option.flag}\` |`));
    assert.ok(row, `README row for ${option.flag}`);
    assert.ok(row.includes(`\`${option.env}\``) && row.includes(`\`${option.key}\``), row);
    if (option.default) {
      assert.ok(row.includes(`\`${option.default}\``), `default of ${option.flag} in ${row}`);
    }
  }
});

test('URLs with user:password@ are redacted in errors, and refused as the InfluxDB URL', () => {
  assert.equal(redactedUrl('http://admin:s3cret@influx:8086/x'), 'http://<redacted>@influx:8086/x');
  assert.equal(redactedUrl('qemu+ssh://root@kvm/system'), 'qemu+ssh://<redacted>@kvm/system');
  assert.equal(redactedUrl('http://influx:8086/a@b'), 'http://influx:8086/a@b');
  assert.throws(
    () => parseCommandLine(['--influx-url', 'http://admin:s3cret@127.0.0.1:8086'], {}),
    (error: Error) => /holds a user or password.*--influx-password-file/.test(error.message) && !error.message.includes('s3cret')
  );
  assert.throws(() => parseCommandLine(['--influx-url', 'ftp://admin:s3cret@x'], {}), (error: Error) => !error.message.includes('s3cret'));
});
