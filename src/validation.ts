import { VmQuery } from './types';

/** Live intervals the editor accepts (0 means the data source's default). */
export const LIVE_INTERVAL_MIN_MS = 100;
export const LIVE_INTERVAL_MAX_MS = 60000;

/** The backend's bound of rateWindowSeconds (one day). */
export const MAX_RATE_WINDOW_SECONDS = 86400;

export type QueryField =
  | 'vms'
  | 'vmRegex'
  | 'metrics'
  | 'outputs'
  | 'rateScales'
  | 'gapLimitSeconds'
  | 'rateWindowSeconds'
  | 'liveIntervalMs'
  | 'rawQuery';

export interface ValidationIssue {
  field: QueryField;
  message: string;
}

/**
 * validateQuery lists what would make the backend refuse the query, before
 * it is run, so the editor can show it beside the field. `knownMetrics` are
 * the names of the metrics resource (or the static list).
 */
export function validateQuery(query: VmQuery, knownMetrics: string[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (query.queryType === 'raw') {
    const statement = query.rawQuery.trim();
    if (statement === '') {
      issues.push({ field: 'rawQuery', message: 'Write an InfluxQL SELECT statement.' });
    } else if (!/^select\s/i.test(statement)) {
      issues.push({ field: 'rawQuery', message: 'Only SELECT statements are accepted in raw mode.' });
    }
  } else if (query.queryType !== 'fleet') {
    // A fleet query reads every VM (of its host) and every usage metric.
    issues.push(...validateVmSelection(query), ...validateMetrics(query, knownMetrics));
  }
  if (!Number.isFinite(query.gapLimitSeconds) || query.gapLimitSeconds < 0) {
    issues.push({
      field: 'gapLimitSeconds',
      message: 'Gap limit must be 0 (automatic) or a positive number of seconds.',
    });
  }
  if (
    !Number.isFinite(query.rateWindowSeconds) ||
    query.rateWindowSeconds < 0 ||
    query.rateWindowSeconds > MAX_RATE_WINDOW_SECONDS
  ) {
    issues.push({
      field: 'rateWindowSeconds',
      message: `Rate window must be 0 (adjacent samples) or a positive number of seconds up to ${MAX_RATE_WINDOW_SECONDS}.`,
    });
  }
  // Only metrics and fleet queries stream (docs/PLUGIN-API.md); a raw query ignores live.
  if ((query.queryType === 'metrics' || query.queryType === 'fleet') && query.live && query.liveIntervalMs !== 0) {
    const ms = query.liveIntervalMs;
    if (!Number.isInteger(ms) || ms < LIVE_INTERVAL_MIN_MS || ms > LIVE_INTERVAL_MAX_MS) {
      issues.push({
        field: 'liveIntervalMs',
        message: `Live interval must be between ${LIVE_INTERVAL_MIN_MS} and ${LIVE_INTERVAL_MAX_MS} ms (0 = data source default); got ${ms}.`,
      });
    }
  }
  return issues;
}

function validateVmSelection(query: VmQuery): ValidationIssue[] {
  if (query.vmMode === 'list' && query.vms.length === 0) {
    return [{ field: 'vms', message: 'Pick at least one VM, or choose "All VMs".' }];
  }
  if (query.vmMode === 'regex') {
    if (query.vmRegex === '') {
      return [{ field: 'vmRegex', message: 'Enter a regular expression for the VM names.' }];
    }
    const problem = re2Problem(query.vmRegex);
    if (problem) {
      return [{ field: 'vmRegex', message: `Bad regex: ${problem}` }];
    }
  }
  return [];
}

function validateMetrics(query: VmQuery, knownMetrics: string[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const unknown = query.metrics.filter((m) => !knownMetrics.includes(m));
  if (unknown.length > 0) {
    issues.push({ field: 'metrics', message: `Unknown metric: ${unknown.join(', ')}.` });
  }
  const duplicates = query.metrics.filter((m, i) => query.metrics.indexOf(m) !== i);
  if (duplicates.length > 0) {
    issues.push({ field: 'metrics', message: `Metric listed twice: ${duplicates.join(', ')}.` });
  }
  if (query.outputs.length === 0) {
    issues.push({ field: 'outputs', message: 'Pick at least one output (value, rate or per second).' });
  }
  for (const [metric, scale] of Object.entries(query.rateScales)) {
    if (!Number.isFinite(scale) || scale <= 0) {
      issues.push({ field: 'rateScales', message: `Rate scale of ${metric} must be a positive number.` });
    }
  }
  return issues;
}

/**
 * re2Problem says why the backend's RE2 would refuse a pattern, or returns
 * undefined. It checks what RE2 lacks (lookaround, backreferences), then
 * compiles the pattern as JavaScript after rewriting RE2-only syntax.
 */
export function re2Problem(pattern: string): string | undefined {
  if (/[\n\r\0]/.test(pattern)) {
    return 'raw line breaks and NUL are not allowed; write \\n, \\r or \\x00.';
  }
  if (/\(\?<?[=!]/.test(pattern)) {
    return 'lookahead and lookbehind are not supported (RE2 syntax).';
  }
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(pattern)) {
    return 'backreferences are not supported (RE2 syntax).';
  }
  const javascript = pattern
    .replace(/\\Q(.*?)(\\E|$)/g, (_, literal: string) => literal.replace(/[\\.+*?()|[\]{}^$]/g, (c) => '\\' + c))
    .replace(/^\(\?[imsU]+\)/, '')
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$');
  try {
    new RegExp(javascript);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e);
  }
}
