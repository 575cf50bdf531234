// Chooses the write target from the InfluxDB settings: the v2 write API
// (1.8+, 2.x, 3.x) or the 1.x /write endpoint (before 1.8).

import { v1WriteTarget, v2WriteTarget, type WriteTarget } from './write-target.js';

export interface InfluxSettings {
  /** "v2": /api/v2/write (InfluxDB 1.8+, 2.x, 3.x); "v1": /write (InfluxDB < 1.8). */
  api: 'v1' | 'v2';
  url: string;
  token: string;
  username: string;
  password: string;
  org: string;
  bucket: string;
  database: string;
  retentionPolicy: string;
  timeoutMs: number;
  gzipThresholdBytes: number;
  /** Lines per write request. */
  batchSize: number;
}

export function createWriteTarget(settings: InfluxSettings): WriteTarget {
  const common = { url: settings.url, timeoutMs: settings.timeoutMs, gzipThresholdBytes: settings.gzipThresholdBytes };
  if (settings.api === 'v1') {
    return v1WriteTarget({
      ...common,
      database: settings.database,
      retentionPolicy: settings.retentionPolicy,
      username: settings.username,
      password: settings.password,
    });
  }
  // InfluxDB 1.8's v2 API takes "user:password" as the token and
  // "database/retention-policy" as the bucket.
  const token = settings.token || (settings.username ? `${settings.username}:${settings.password}` : '');
  const bucket = settings.bucket || `${settings.database}/${settings.retentionPolicy || 'autogen'}`;
  return v2WriteTarget({ ...common, token, org: settings.org, bucket });
}
