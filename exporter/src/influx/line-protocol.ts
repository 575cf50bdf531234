// InfluxDB line protocol encoding of one point (measurement, tags, typed
// fields, timestamp), with the escaping rules of the InfluxDB 1.x/2.x docs.

export type FieldValue =
  | { type: 'integer'; value: bigint | number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string };

export interface Point {
  measurement: string;
  /** Tag key/value pairs; pairs with an empty value are left out (InfluxDB rejects them). */
  tags: Array<[string, string]>;
  fields: Array<[string, FieldValue]>;
  /** Milliseconds since the epoch (the writer sends precision "ms"). */
  timeMs: number;
}

export class LineProtocolError extends Error {}

// Line protocol has no escape for a line break: it would end the point.
// Keep the information visible instead of dropping it.
function replaceLineBreaks(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

export function escapeMeasurement(name: string): string {
  return replaceLineBreaks(name).replace(/[\\,\s]/g, (c) => (c === '\\' ? '\\\\' : `\\${c}`));
}

// InfluxDB (1.x and 2.x alike) takes a backslash before a separator as its
// escape, so a tag value cannot end in one: docs/CONTRACT.md stores it as
// U+29F5, which looks alike.
const TRAILING_BACKSLASH_STAND_IN = '\u29f5';

/**
 * Tag keys, tag values and field keys escape commas, equals signs and
 * spaces; a backslash elsewhere is literal.
 */
export function escapeKey(text: string): string {
  return replaceLineBreaks(text)
    .replace(/\\$/, TRAILING_BACKSLASH_STAND_IN)
    .replace(/[,= ]/g, (c) => `\\${c}`);
}

export function escapeStringField(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function encodeField([key, field]: [string, FieldValue]): string {
  switch (field.type) {
    case 'integer': {
      const value = typeof field.value === 'bigint' ? field.value : BigInt(field.value);
      if (value > 0x7fff_ffff_ffff_ffffn || value < -0x8000_0000_0000_0000n) {
        throw new LineProtocolError(`field ${key}: integer ${value} does not fit a signed 64-bit field`);
      }
      return `${escapeKey(key)}=${value}i`;
    }
    case 'float':
      if (!Number.isFinite(field.value)) {
        throw new LineProtocolError(`field ${key}: ${field.value} is not a finite float`);
      }
      return `${escapeKey(key)}=${field.value}`;
    case 'string':
      return `${escapeKey(key)}=${escapeStringField(field.value)}`;
  }
}

/** One line of line protocol, without the trailing newline. */
export function encodePoint(point: Point): string {
  if (point.fields.length === 0) {
    throw new LineProtocolError(`point of ${point.measurement} has no fields`);
  }
  const tags = point.tags
    .filter(([, value]) => value !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `,${escapeKey(key)}=${escapeKey(value)}`)
    .join('');
  const fields = point.fields.map(encodeField).join(',');
  return `${escapeMeasurement(point.measurement)}${tags} ${fields} ${Math.round(point.timeMs)}`;
}
