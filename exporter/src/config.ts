// Settings from four places, in this order of precedence (highest first):
// command-line flags, VMT_* environment variables, the JSON config file
// (--config / VMT_CONFIG), built-in defaults. One table below defines every
// setting's flag, variable, config key, type and default, and --help.

import { readFileSync } from 'node:fs';
import { isLogLevel, type LogLevel } from './log.js';

export class ConfigError extends Error {}

type Kind = 'string' | 'duration' | 'integer' | 'boolean' | 'secret';

interface OptionSpec {
  /** Config-file path, e.g. ['influx', 'retentionPolicy']. */
  path: string[];
  kind: Kind;
  default: string | number | boolean;
  help: string;
}

const OPTIONS: OptionSpec[] = [
  { path: ['libvirt', 'uri'], kind: 'string', default: 'qemu:///system', help: 'libvirt driver URI (qemu:///system, test:///default, test:///abs/node.xml, ...)' },
  { path: ['libvirt', 'socket'], kind: 'string', default: '/run/libvirt/libvirt-sock-ro', help: 'libvirtd unix socket (the read-only one is enough)' },
  { path: ['libvirt', 'host'], kind: 'string', default: '', help: 'connect over TCP (or TLS with the tls-* files) to this host instead of the socket' },
  { path: ['libvirt', 'port'], kind: 'integer', default: 0, help: 'TCP port (0: 16509, or 16514 with TLS)' },
  { path: ['libvirt', 'tlsCa'], kind: 'string', default: '', help: "TLS: CA certificate file (libvirt's cacert.pem)" },
  { path: ['libvirt', 'tlsCert'], kind: 'string', default: '', help: 'TLS: client certificate file' },
  { path: ['libvirt', 'tlsKey'], kind: 'string', default: '', help: 'TLS: client key file' },
  { path: ['libvirt', 'readOnly'], kind: 'boolean', default: true, help: 'open the connection read-only' },
  { path: ['libvirt', 'timeout'], kind: 'duration', default: '5s', help: 'limit on each libvirt call' },
  { path: ['libvirt', 'concurrency'], kind: 'integer', default: 8, help: 'per-VM fallback calls in flight at once' },
  { path: ['interval'], kind: 'duration', default: '1s', help: 'sampling interval' },
  { path: ['host'], kind: 'string', default: '', help: "value of the host tag (default: libvirt's host name)" },
  { path: ['influx', 'url'], kind: 'string', default: '', help: 'InfluxDB base URL, e.g. http://127.0.0.1:8086 (required unless --once)' },
  { path: ['influx', 'api'], kind: 'string', default: 'v2', help: 'v2: /api/v2/write (InfluxDB 1.8+, 2.x, 3.x); v1: /write (InfluxDB before 1.8)' },
  { path: ['influx', 'token'], kind: 'secret', default: '', help: 'v2 API token (2.x/3.x)' },
  { path: ['influx', 'tokenFile'], kind: 'string', default: '', help: 'read the token from this file' },
  { path: ['influx', 'username'], kind: 'string', default: '', help: '1.x user (v1, or v2 API on 1.8)' },
  { path: ['influx', 'password'], kind: 'secret', default: '', help: '1.x password' },
  { path: ['influx', 'passwordFile'], kind: 'string', default: '', help: 'read the password from this file' },
  { path: ['influx', 'org'], kind: 'string', default: '', help: 'v2 organization (2.x)' },
  { path: ['influx', 'bucket'], kind: 'string', default: '', help: 'v2 bucket (default on 1.8: <database>/<retention-policy or autogen>)' },
  { path: ['influx', 'database'], kind: 'string', default: 'vm_telemetry', help: '1.x database' },
  { path: ['influx', 'retentionPolicy'], kind: 'string', default: '', help: '1.x retention policy (default: the database default)' },
  { path: ['influx', 'timeout'], kind: 'duration', default: '10s', help: 'limit on each write request' },
  { path: ['influx', 'batchSize'], kind: 'integer', default: 5000, help: 'points per write request' },
  { path: ['influx', 'gzipThreshold'], kind: 'integer', default: 1000, help: 'gzip request bodies larger than this many bytes' },
  { path: ['influx', 'retryInitial'], kind: 'duration', default: '1s', help: 'first retry delay after a failed write (doubles up to retry-max)' },
  { path: ['influx', 'retryMax'], kind: 'duration', default: '30s', help: 'longest retry delay' },
  { path: ['buffer', 'maxPoints'], kind: 'integer', default: 500000, help: 'points kept in memory while InfluxDB is unreachable' },
  { path: ['buffer', 'spillDir'], kind: 'string', default: '', help: 'folder for points beyond max-points (empty: drop the oldest)' },
  { path: ['buffer', 'spillMaxBytes'], kind: 'integer', default: 1073741824, help: 'size bound of the spill folder; the oldest points go first' },
  { path: ['listen'], kind: 'string', default: '127.0.0.1:9479', help: 'HTTP address for /healthz, /metrics, /api/telemetry/vm-telemetry (empty: off); loopback unless set, see the README on exposing it' },
  { path: ['web', 'configFile'], kind: 'string', default: '', help: 'Prometheus-style web config file (YAML): tls_server_config cert_file/key_file, basic_auth_users with bcrypt hashes' },
  { path: ['web', 'maxConnections'], kind: 'integer', default: 64, help: 'HTTP connections open at once; the next one is answered 503' },
  { path: ['logLevel'], kind: 'string', default: 'info', help: 'debug, info, warn or error' },
  { path: ['shutdownTimeout'], kind: 'duration', default: '10s', help: 'how long SIGTERM waits to flush buffered points' },
];

export interface Config {
  libvirt: {
    uri: string;
    socket: string;
    host: string;
    port: number;
    tlsCa: string;
    tlsCert: string;
    tlsKey: string;
    readOnly: boolean;
    timeoutMs: number;
    concurrency: number;
  };
  intervalMs: number;
  host: string;
  influx: {
    url: string;
    api: 'v1' | 'v2';
    token: string;
    username: string;
    password: string;
    org: string;
    bucket: string;
    database: string;
    retentionPolicy: string;
    timeoutMs: number;
    batchSize: number;
    gzipThreshold: number;
    retryInitialMs: number;
    retryMaxMs: number;
  };
  buffer: { maxPoints: number; spillDir: string; spillMaxBytes: number };
  listen: string;
  web: { configFile: string; maxConnections: number };
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
}

export interface CommandLine {
  /** Absent with --help and --version. */
  config?: Config;
  once: boolean;
  help: boolean;
  version: boolean;
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const flagName = (spec: OptionSpec): string => `--${spec.path.map(kebab).join('-')}`;
const envName = (spec: OptionSpec): string => `VMT_${spec.path.map(kebab).join('_').replace(/-/g, '_').toUpperCase()}`;

export function parseDuration(text: string, where: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new ConfigError(`${where}: "${text}" is not a duration (examples: 500ms, 1s, 2m)`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's']!;
  const ms = Number(match[1]) * factor;
  if (ms <= 0) throw new ConfigError(`${where}: the duration must be positive`);
  return ms;
}

function convert(spec: OptionSpec, raw: unknown, where: string): string | number | boolean {
  switch (spec.kind) {
    case 'string':
    case 'secret':
      if (typeof raw !== 'string') throw new ConfigError(`${where}: expected a string`);
      return raw;
    case 'duration':
      if (typeof raw === 'number') return parseDuration(String(raw), where);
      if (typeof raw !== 'string') throw new ConfigError(`${where}: expected a duration such as "1s"`);
      return parseDuration(raw, where);
    case 'integer': {
      const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw new ConfigError(`${where}: expected a non-negative integer, got ${JSON.stringify(raw)}`);
      }
      return value;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && /^(true|1|yes)$/i.test(raw)) return true;
      if (typeof raw === 'string' && /^(false|0|no)$/i.test(raw)) return false;
      throw new ConfigError(`${where}: expected true or false, got ${JSON.stringify(raw)}`);
  }
}

function fromFile(path: string, values: Map<OptionSpec, unknown>): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`config file ${path}: ${(error as Error).message}`);
  }
  const walk = (node: unknown, prefix: string[]): void => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      throw new ConfigError(`config file ${path}: ${prefix.join('.') || 'the top level'} must be an object`);
    }
    for (const [key, value] of Object.entries(node)) {
      const keyPath = [...prefix, key];
      const spec = OPTIONS.find((o) => o.path.join('.') === keyPath.join('.'));
      if (spec) values.set(spec, { raw: value, where: `config file ${path}: ${keyPath.join('.')}` });
      else if (OPTIONS.some((o) => o.path.length > keyPath.length && o.path[0] === key)) walk(value, keyPath);
      else throw new ConfigError(`config file ${path}: unknown setting ${keyPath.join('.')}`);
    }
  };
  walk(parsed, []);
}

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv): CommandLine {
  const flags = new Map<OptionSpec, unknown>();
  let configPath = env['VMT_CONFIG'] ?? '';
  const result = { once: false, help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name === '--help' || name === '-h') result.help = true;
    else if (name === '--version') result.version = true;
    else if (name === '--once') result.once = true;
    else if (name === '--config') configPath = inline ?? argv[++i] ?? '';
    else {
      const negated = name.startsWith('--no-');
      const spec = OPTIONS.find((o) => flagName(o) === (negated ? `--${name.slice(5)}` : name));
      if (!spec) throw new ConfigError(`unknown option ${name} (see --help)`);
      if (spec.kind === 'boolean' && inline === undefined) {
        flags.set(spec, { raw: !negated, where: name });
        continue;
      }
      const raw = inline ?? argv[++i];
      if (raw === undefined) throw new ConfigError(`${name} needs a value`);
      flags.set(spec, { raw, where: name });
    }
  }

  if (result.help || result.version) return result;
  const fileValues = new Map<OptionSpec, unknown>();
  if (configPath) fromFile(configPath, fileValues);
  const settings: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    const envValue = env[envName(spec)];
    const chosen = (flags.get(spec) ??
      (envValue !== undefined ? { raw: envValue, where: envName(spec) } : undefined) ??
      fileValues.get(spec)) as { raw: unknown; where: string } | undefined;
    const value = chosen ? convert(spec, chosen.raw, chosen.where) : convert(spec, spec.default, `default of ${flagName(spec)}`);
    settings[spec.path.join('.')] = value;
  }
  return { ...result, config: buildConfig(settings, result.once) };
}

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`cannot read the ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function buildConfig(s: Record<string, unknown>, once: boolean): Config {
  const str = (key: string) => s[key] as string;
  const num = (key: string) => s[key] as number;
  const api = str('influx.api');
  if (api !== 'v1' && api !== 'v2') throw new ConfigError(`--influx-api: "${api}" is neither v1 nor v2`);
  const logLevel = str('logLevel');
  if (!isLogLevel(logLevel)) throw new ConfigError(`--log-level: "${logLevel}" is not one of debug, info, warn, error`);
  const url = str('influx.url');
  if (!once && !url) throw new ConfigError('no InfluxDB URL: set --influx-url, VMT_INFLUX_URL or influx.url in the config file (or use --once)');
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`--influx-url: "${redactedUrl(url)}" is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(`--influx-url: "${redactedUrl(url)}" must start with http:// or https://`);
  }
  const listen = str('listen');
  if (listen && !/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/.test(listen)) {
    throw new ConfigError(`--listen: "${listen}" is not host:port (e.g. 0.0.0.0:9479 or :9479)`);
  }
  const tlsFiles = [str('libvirt.tlsCa'), str('libvirt.tlsCert'), str('libvirt.tlsKey')];
  if (tlsFiles.some(Boolean) && !tlsFiles.every(Boolean)) {
    throw new ConfigError('TLS to libvirt needs all three of --libvirt-tls-ca, --libvirt-tls-cert and --libvirt-tls-key');
  }
  if (num('influx.batchSize') < 1) throw new ConfigError('--influx-batch-size must be at least 1');
  const tokenFile = str('influx.tokenFile');
  const passwordFile = str('influx.passwordFile');
  return {
    libvirt: {
      uri: str('libvirt.uri'),
      socket: str('libvirt.socket'),
      host: str('libvirt.host'),
      port: num('libvirt.port'),
      tlsCa: tlsFiles[0]!,
      tlsCert: tlsFiles[1]!,
      tlsKey: tlsFiles[2]!,
      readOnly: s['libvirt.readOnly'] as boolean,
      timeoutMs: num('libvirt.timeout'),
      concurrency: Math.max(1, num('libvirt.concurrency')),
    },
    intervalMs: num('interval'),
    host: str('host'),
    influx: {
      url,
      api,
      token: tokenFile ? readSecretFile(tokenFile, 'token') : str('influx.token'),
      username: str('influx.username'),
      password: passwordFile ? readSecretFile(passwordFile, 'password') : str('influx.password'),
      org: str('influx.org'),
      bucket: str('influx.bucket'),
      database: str('influx.database'),
      retentionPolicy: str('influx.retentionPolicy'),
      timeoutMs: num('influx.timeout'),
      batchSize: num('influx.batchSize'),
      gzipThreshold: num('influx.gzipThreshold'),
      retryInitialMs: num('influx.retryInitial'),
      retryMaxMs: num('influx.retryMax'),
    },
    buffer: { maxPoints: num('buffer.maxPoints'), spillDir: str('buffer.spillDir'), spillMaxBytes: num('buffer.spillMaxBytes') },
    listen,
    web: { configFile: str('web.configFile'), maxConnections: Math.max(1, num('web.maxConnections')) },
    logLevel,
    shutdownTimeoutMs: num('shutdownTimeout'),
  };
}

/** A URL as it may be logged or shown in an error: a user:password@ part replaced. */
export function redactedUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1<redacted>@');
}

/** The config as it may be logged: secrets replaced. */
export function redactedConfig(config: Config): object {
  return {
    ...config,
    libvirt: { ...config.libvirt, uri: redactedUrl(config.libvirt.uri) },
    influx: {
      ...config.influx,
      url: redactedUrl(config.influx.url),
      token: config.influx.token ? '<set>' : '',
      password: config.influx.password ? '<set>' : '',
    },
  };
}

export function helpText(): string {
  const rows = OPTIONS.map((spec) => {
    const value = spec.kind === 'boolean' ? '' : spec.kind === 'duration' ? ' DURATION' : spec.kind === 'integer' ? ' N' : ' VALUE';
    const def = spec.kind === 'secret' || spec.default === '' ? '' : ` (default ${spec.default})`;
    return `  ${flagName(spec)}${value}\n      ${spec.help}${def}\n      env ${envName(spec)}, config ${spec.path.join('.')}`;
  });
  return `Usage: vm-telemetry-exporter [options]

Samples every libvirt VM each interval and writes the VM Telemetry series
(vm_telemetry, vm_disk, vm_interface) to InfluxDB.

  --once            print one sample per VM as JSON on stdout and exit
                    (two rounds one interval apart, so CPU % is known)
  --config FILE     JSON config file (env VMT_CONFIG); keys as listed below
  --help, --version

Precedence: command-line flags, then VMT_* environment variables, then the
config file, then the defaults. Booleans: --flag, --no-flag or --flag=false.
Durations: 500ms, 1s, 2m (a bare number is seconds).

${rows.join('\n')}
`;
}

/** Every setting, for the README's reference and its test. */
export function optionTable(): { flag: string; env: string; key: string; default: string; help: string }[] {
  return OPTIONS.map((spec) => ({
    flag: flagName(spec),
    env: envName(spec),
    key: spec.path.join('.'),
    default: spec.kind === 'secret' ? '' : String(spec.default),
    help: spec.help,
  }));
}
