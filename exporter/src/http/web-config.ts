// The web config file of Prometheus exporters (exporter-toolkit's
// --web.config.file): YAML with tls_server_config (cert_file, key_file,
// min_version) and basic_auth_users (user: bcrypt hash). Keys the exporter
// does not implement are refused by name rather than ignored, so nobody
// believes client certificates or HTTP headers are enforced when they are not.

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../config.js';

export interface WebConfig {
  tls?: { cert: Buffer; key: Buffer; minVersion: 'TLSv1.2' | 'TLSv1.3' };
  /** User name to bcrypt hash; empty: no authentication. */
  users: Map<string, string>;
}

const TLS_VERSIONS = { TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
const BCRYPT_HASH = /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where} must be a mapping`);
  }
  return value as Record<string, unknown>;
}

function onlyKeys(value: Record<string, unknown>, allowed: string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(`${where}: ${key} is not supported (supported: ${allowed.join(', ')})`);
    }
  }
}

export async function loadWebConfig(path: string): Promise<WebConfig> {
  // Loaded only when there is a web config file: the YAML parser adds
  // megabytes to the resident memory of every exporter otherwise.
  const { parse } = await import('yaml');
  let document: unknown;
  try {
    document = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`web config file ${path}: ${(error as Error).message}`);
  }
  const top = record(document ?? {}, `web config file ${path}`);
  onlyKeys(top, ['tls_server_config', 'basic_auth_users'], `web config file ${path}`);
  // Relative file names are relative to the web config file, as in exporter-toolkit.
  const file = (name: unknown, key: string): Buffer => {
    if (typeof name !== 'string' || name === '') {
      throw new ConfigError(`web config file ${path}: tls_server_config.${key} must be a file name`);
    }
    const full = isAbsolute(name) ? name : resolve(dirname(path), name);
    try {
      return readFileSync(full);
    } catch (error) {
      throw new ConfigError(`web config file ${path}: cannot read tls_server_config.${key} ${full}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  };

  const config: WebConfig = { users: new Map() };
  if (top['tls_server_config'] !== undefined) {
    const tls = record(top['tls_server_config'], `web config file ${path}: tls_server_config`);
    onlyKeys(tls, ['cert_file', 'key_file', 'min_version'], `web config file ${path}: tls_server_config`);
    const min = tls['min_version'] ?? 'TLS12';
    if (typeof min !== 'string' || !Object.hasOwn(TLS_VERSIONS, min)) {
      throw new ConfigError(`web config file ${path}: tls_server_config.min_version must be TLS12 or TLS13`);
    }
    config.tls = { cert: file(tls['cert_file'], 'cert_file'), key: file(tls['key_file'], 'key_file'), minVersion: TLS_VERSIONS[min as keyof typeof TLS_VERSIONS] };
  }
  if (top['basic_auth_users'] !== undefined && top['basic_auth_users'] !== null) {
    const users = record(top['basic_auth_users'], `web config file ${path}: basic_auth_users`);
    for (const [user, hash] of Object.entries(users)) {
      if (user.includes(':')) {
        throw new ConfigError(`web config file ${path}: basic_auth_users: user "${user}" holds a colon`);
      }
      if (typeof hash !== 'string' || !BCRYPT_HASH.test(hash)) {
        throw new ConfigError(`web config file ${path}: basic_auth_users.${user} is not a bcrypt hash (make one with: htpasswd -nBC 10 "" | tr -d ':\\n')`);
      }
      config.users.set(user, hash);
    }
  }
  return config;
}
