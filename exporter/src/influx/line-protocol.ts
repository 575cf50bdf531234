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

// Names and values almost never need escaping: one test of the characters
// that matter saves the replace passes (thousands of keys per second).
const MEASUREMENT_SPECIAL = /[\\,\s]/;
const KEY_SPECIAL = /[\\,= \r\n]/;
const STRING_FIELD_SPECIAL = /[\\"]/;

export function escapeMeasurement(name: string): string {
  if (!MEASUREMENT_SPECIAL.test(name)) {
    return name;
  }
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
  if (!KEY_SPECIAL.test(text)) {
    return text;
  }
  return replaceLineBreaks(text)
    .replace(/\\$/, TRAILING_BACKSLASH_STAND_IN)
    .replace(/[,= ]/g, (c) => `\\${c}`);
}

export function escapeStringField(text: string): string {
  if (!STRING_FIELD_SPECIAL.test(text)) {
    return `"${text}"`;
  }
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function encodeField([key, field]: [string, FieldValue]): string {
  switch (field.type) {
    case 'integer': {
      if (typeof field.value === 'number' && Number.isSafeInteger(field.value)) {
        return `${escapeKey(key)}=${field.value}i`;
      }
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
  const { fields } = point;
  if (fields.length === 0) {
    throw new LineProtocolError(`point of ${point.measurement} has no fields`);
  }
  // Built by concatenation, tags sorted only when they are not already:
  // thousands of points a second on a large host.
  let line = escapeMeasurement(point.measurement);
  for (const [key, value] of inKeyOrder(point.tags)) {
    if (value !== '') {
      line += `,${escapeKey(key)}=${escapeKey(value)}`;
    }
  }
  line += ` ${encodeField(fields[0]!)}`;
  for (let i = 1; i < fields.length; i++) {
    line += `,${encodeField(fields[i]!)}`;
  }
  return `${line} ${Math.round(point.timeMs)}`;
}

function inKeyOrder(tags: Array<[string, string]>): Array<[string, string]> {
  for (let i = 1; i < tags.length; i++) {
    if (tags[i - 1]![0] > tags[i]![0]) {
      return tags.toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    }
  }
  return tags;
}
