// Settings from four places, in this order of precedence (highest first):
// command-line flags, VMT_* environment variables, the JSON config file
// (--config / VMT_CONFIG), built-in defaults. One table, SETTINGS, defines
// every setting's kind, default and help; its flag, variable, config key,
// --help line and its place and type in Config all derive from it.

import { readFileSync } from 'node:fs';
import type { LogLevel } from './log.js';

export class ConfigError extends Error {}

type Kind = 'string' | 'secret' | 'duration' | 'integer' | 'boolean' | 'choice';

/** One setting: its kind, default and help; its flag, variable and config key come from its place in SETTINGS. */
interface Setting<K extends Kind = Kind, T = unknown> {
  kind: K;
  default: string | number | boolean;
  help: string;
  /** Only for 'choice': the values allowed. */
  choices?: readonly string[];
  /** The type of the value in Config (never set: it carries T for the types below). */
  value?: T;
}

const string = (d: string, help: string): Setting<'string', string> => ({ kind: 'string', default: d, help });
const secret = (d: string, help: string): Setting<'secret', string> => ({ kind: 'secret', default: d, help });
const duration = (d: string, help: string): Setting<'duration', number> => ({ kind: 'duration', default: d, help });
const integer = (d: number, help: string): Setting<'integer', number> => ({ kind: 'integer', default: d, help });
const boolean = (d: boolean, help: string): Setting<'boolean', boolean> => ({ kind: 'boolean', default: d, help });
const choice = <C extends string>(choices: readonly C[], d: C, help: string): Setting<'choice', C> => ({
  kind: 'choice',
  default: d,
  help,
  choices,
});

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const satisfies readonly LogLevel[];

/**
 * Every setting, where it sits in the config file. The setting at
 * influx.retryInitial is the flag --influx-retry-initial, the variable
 * VMT_INFLUX_RETRY_INITIAL and, in Config, influx.retryInitialMs: a duration
 * is read into milliseconds and its Config name says so.
 */
const SETTINGS = {
  libvirt: {
    uri: string('qemu:///system', 'libvirt driver URI (qemu:///system, test:///default, test:///abs/node.xml, ...)'),
    socket: string('/run/libvirt/libvirt-sock-ro', 'libvirtd unix socket (the read-only one is enough)'),
    host: string('', 'connect over TCP (or TLS with the tls-* files) to this host instead of the socket'),
    port: integer(0, 'TCP port (0: 16509, or 16514 with TLS)'),
    tlsCa: string('', "TLS: CA certificate file (libvirt's cacert.pem)"),
    tlsCert: string('', 'TLS: client certificate file'),
    tlsKey: string('', 'TLS: client key file'),
    readOnly: boolean(true, 'open the connection read-only'),
    timeout: duration('5s', 'limit on each libvirt call'),
    concurrency: integer(8, 'per-VM fallback calls in flight at once'),
    fallbackInterval: duration('10s', "how often each VM's stats groups that the driver's bulk call lacks are read by per-domain calls (every round when at most the interval)"),
  },
  interval: duration('1s', 'sampling interval'),
  host: string('', "value of the host tag (default: libvirt's host name); no / (a VM is <host>/<name>)"),
  influx: {
    url: string('', 'InfluxDB base URL, e.g. http://127.0.0.1:8086 (required unless --once)'),
    api: choice(['v1', 'v2'] as const, 'v2', 'v2: /api/v2/write (InfluxDB 1.8+, 2.x, 3.x); v1: /write (InfluxDB before 1.8)'),
    token: secret('', 'v2 API token (2.x/3.x)'),
    tokenFile: string('', 'read the token from this file'),
    username: string('', '1.x user (v1, or v2 API on 1.8)'),
    password: secret('', '1.x password'),
    passwordFile: string('', 'read the password from this file'),
    org: string('', 'v2 organization (2.x)'),
    bucket: string('', 'v2 bucket (default on 1.8: <database>/<retention-policy or autogen>)'),
    database: string('vm_telemetry', '1.x database'),
    retentionPolicy: string('', '1.x retention policy (default: the database default)'),
    timeout: duration('10s', 'limit on each write request'),
    batchSize: integer(5000, 'points per write request'),
    gzipThreshold: integer(65_536, 'gzip request bodies larger than this many bytes'),
    retryInitial: duration('1s', 'first retry delay after a failed write (doubles up to retry-max)'),
    retryMax: duration('30s', 'longest retry delay'),
  },
  buffer: {
    maxPoints: integer(500000, 'points kept in memory while InfluxDB is unreachable'),
    spillDir: string('', 'folder for points beyond max-points (empty: drop the oldest)'),
    spillMaxBytes: integer(1073741824, 'size bound of the spill folder; the oldest points go first'),
  },
  listen: string('127.0.0.1:9479', 'HTTP address for /healthz, /metrics, /api/telemetry/vm-telemetry (empty: off); loopback unless set, see the README on exposing it'),
  web: {
    configFile: string('', 'Prometheus-style web config file (YAML): tls_server_config cert_file/key_file, basic_auth_users with bcrypt hashes'),
    maxConnections: integer(64, 'HTTP connections open at once; the next one is answered 503'),
  },
  logLevel: choice(LOG_LEVELS, 'info', 'debug, info, warn or error'),
  shutdownTimeout: duration('10s', 'how long SIGTERM waits to flush buffered points'),
};

type SettingTree = { [key: string]: Setting | SettingTree };

/** The values of a tree of settings: durations renamed <key>Ms. */
type Values<T> = {
  -readonly [K in keyof T as T[K] extends Setting<'duration'> ? `${K & string}Ms` : K]: T[K] extends Setting<Kind, infer V>
    ? V
    : Values<T[K]>;
};

export type Config = Values<typeof SETTINGS>;

interface OptionSpec extends Setting {
  /** Config-file path, e.g. ['influx', 'retentionPolicy']. */
  path: string[];
}

const isSetting = (node: Setting | SettingTree): node is Setting => typeof node['kind'] === 'string';

/** SETTINGS as a list, in the order of --help. */
function flatten(tree: SettingTree, prefix: string[] = []): OptionSpec[] {
  return Object.entries(tree).flatMap(([key, node]) =>
    isSetting(node) ? [{ ...node, path: [...prefix, key] }] : flatten(node, [...prefix, key])
  );
}

const OPTIONS: OptionSpec[] = flatten(SETTINGS);

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
  if (!match) {
    throw new ConfigError(`${where}: "${text}" is not a duration (examples: 500ms, 1s, 2m)`);
  }
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's']!;
  const ms = Number(match[1]) * factor;
  if (ms <= 0) {
    throw new ConfigError(`${where}: the duration must be positive`);
  }
  return ms;
}

function convert(spec: OptionSpec, raw: unknown, where: string): string | number | boolean {
  switch (spec.kind) {
    case 'choice':
      if (typeof raw !== 'string' || !spec.choices!.includes(raw)) {
        throw new ConfigError(`${where}: ${JSON.stringify(raw)} is not one of ${spec.choices!.join(', ')}`);
      }
      return raw;
    case 'string':
    case 'secret':
      if (typeof raw !== 'string') {
        throw new ConfigError(`${where}: expected a string`);
      }
      return raw;
    case 'duration':
      if (typeof raw === 'number') {
        return parseDuration(String(raw), where);
      }
      if (typeof raw !== 'string') {
        throw new ConfigError(`${where}: expected a duration such as "1s"`);
      }
      return parseDuration(raw, where);
    case 'integer': {
      const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw new ConfigError(`${where}: expected a non-negative integer, got ${JSON.stringify(raw)}`);
      }
      return value;
    }
    case 'boolean':
      if (typeof raw === 'boolean') {
        return raw;
      }
      if (typeof raw === 'string' && /^(true|1|yes)$/i.test(raw)) {
        return true;
      }
      if (typeof raw === 'string' && /^(false|0|no)$/i.test(raw)) {
        return false;
      }
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
      if (spec) {
        values.set(spec, { raw: value, where: `config file ${path}: ${keyPath.join('.')}` });
      } else if (OPTIONS.some((o) => o.path.length > keyPath.length && o.path[0] === key)) {
        walk(value, keyPath);
      } else {
        throw new ConfigError(`config file ${path}: unknown setting ${keyPath.join('.')}`);
      }
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
    if (name === '--help' || name === '-h') {
      result.help = true;
    } else if (name === '--version') {
      result.version = true;
    } else if (name === '--once') {
      result.once = true;
    } else if (name === '--config') {
      configPath = inline ?? argv[++i] ?? '';
    } else {
      const negated = name.startsWith('--no-');
      const spec = OPTIONS.find((o) => flagName(o) === (negated ? `--${name.slice(5)}` : name));
      if (!spec) {
        throw new ConfigError(`unknown option ${name} (see --help)`);
      }
      if (spec.kind === 'boolean' && inline === undefined) {
        flags.set(spec, { raw: !negated, where: name });
        continue;
      }
      const raw = inline ?? argv[++i];
      if (raw === undefined) {
        throw new ConfigError(`${name} needs a value`);
      }
      flags.set(spec, { raw, where: name });
    }
  }

  if (result.help || result.version) {
    return result;
  }
  const fileValues = new Map<OptionSpec, unknown>();
  if (configPath) {
    fromFile(configPath, fileValues);
  }
  const settings: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    const envValue = env[envName(spec)];
    const chosen = (flags.get(spec) ??
      (envValue !== undefined ? { raw: envValue, where: envName(spec) } : undefined) ??
      fileValues.get(spec)) as { raw: unknown; where: string } | undefined;
    const value = chosen ? convert(spec, chosen.raw, chosen.where) : convert(spec, spec.default, `default of ${flagName(spec)}`);
    let node = settings;
    for (const key of spec.path.slice(0, -1)) {
      node = (node[key] ??= {}) as Record<string, unknown>;
    }
    node[spec.kind === 'duration' ? `${spec.path.at(-1)}Ms` : spec.path.at(-1)!] = value;
  }
  return { ...result, config: checkedConfig(settings as Config, result.once) };
}

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`cannot read the ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The checks that involve more than one setting or more than a type, and the secrets read from their files. */
function checkedConfig(config: Config, once: boolean): Config {
  const { libvirt, influx, listen, web } = config;
  if (!once && !influx.url) {
    throw new ConfigError('no InfluxDB URL: set --influx-url, VMT_INFLUX_URL or influx.url in the config file (or use --once)');
  }
  if (influx.url) {
    let parsed: URL;
    try {
      parsed = new URL(influx.url);
    } catch {
      throw new ConfigError(`--influx-url: "${redactedUrl(influx.url)}" is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ConfigError(`--influx-url: "${redactedUrl(influx.url)}" must start with http:// or https://`);
    }
    if (parsed.username || parsed.password) {
      // Refused rather than sent: a password in the URL shows in process lists and unit files.
      throw new ConfigError(
        `--influx-url: "${redactedUrl(influx.url)}" holds a user or password, which is never sent from there: use --influx-username with --influx-password-file (1.x), or --influx-token-file (2.x)`
      );
    }
  }
  if (listen && !/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/.test(listen)) {
    throw new ConfigError(`--listen: "${listen}" is not host:port (e.g. 0.0.0.0:9479 or :9479)`);
  }
  const badHostCharacter = /[/\p{Cc}]/u.exec(config.host);
  if (badHostCharacter) {
    throw new ConfigError(
      `--host: ${JSON.stringify(config.host)} holds ${JSON.stringify(badHostCharacter[0])}: a VM is referred to as <host>/<name>, so a host name holds no "/" and no control character`
    );
  }
  if (config.host !== config.host.trim()) {
    throw new ConfigError(`--host: ${JSON.stringify(config.host)} begins or ends with white space`);
  }
  const tlsFiles = [libvirt.tlsCa, libvirt.tlsCert, libvirt.tlsKey];
  if (tlsFiles.some(Boolean) && !tlsFiles.every(Boolean)) {
    throw new ConfigError('TLS to libvirt needs all three of --libvirt-tls-ca, --libvirt-tls-cert and --libvirt-tls-key');
  }
  if (influx.batchSize < 1) {
    throw new ConfigError('--influx-batch-size must be at least 1');
  }
  return {
    ...config,
    libvirt: { ...libvirt, concurrency: Math.max(1, libvirt.concurrency) },
    influx: {
      ...influx,
      token: influx.tokenFile ? readSecretFile(influx.tokenFile, 'token') : influx.token,
      password: influx.passwordFile ? readSecretFile(influx.passwordFile, 'password') : influx.password,
    },
    web: { ...web, maxConnections: Math.max(1, web.maxConnections) },
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
    const value =
      spec.kind === 'boolean' ? '' : spec.kind === 'duration' ? ' DURATION' : spec.kind === 'integer' ? ' N' : spec.kind === 'choice' ? ` ${spec.choices!.join('|')}` : ' VALUE';
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
export function optionTable(): Array<{ flag: string; env: string; key: string; default: string; help: string }> {
  return OPTIONS.map((spec) => ({
    flag: flagName(spec),
    env: envName(spec),
    key: spec.path.join('.'),
    default: spec.kind === 'secret' ? '' : String(spec.default),
    help: spec.help,
  }));
}
