/**
 * Escaping of template-variable values for InfluxQL, by the rules of the
 * backend's quoting layer (pkg/influx/quote.go). Shared test vectors:
 * testdata/influxql-quote-vectors.json.
 */

/** Characters Go's regexp.QuoteMeta escapes: RE2's metacharacters. */
const RE2_METACHARACTERS = /[\\.+*?()|[\]{}^$]/g;

/** Unpaired UTF-16 surrogates: JavaScript strings that are not valid UTF-8 text. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * regexEscape writes an RE2 pattern that matches exactly `value`: Go's
 * regexp.QuoteMeta, with line breaks and NUL written as escapes because the
 * backend refuses them raw in a pattern.
 */
export function regexEscape(value: string): string {
  return value
    .replace(RE2_METACHARACTERS, (c) => '\\' + c)
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\0/g, '\\x00');
}

/** regexAlternation matches any of `values` exactly. */
export function regexAlternation(values: string[]): string {
  if (values.length === 1) {
    return regexEscape(values[0]);
  }
  return '(?:' + values.map(regexEscape).join('|') + ')';
}

/**
 * influxQLQuotedBody escapes the inside of an InfluxQL quoted token ('…' or
 * "…"): \ " ' and line breaks, as the backend's influxQLEscaper does. Text
 * that InfluxQL cannot quote at all is refused.
 */
export function influxQLQuotedBody(value: string): string {
  if (LONE_SURROGATE.test(value)) {
    throw new Error(`value ${JSON.stringify(value)} is not valid UTF-8 text`);
  }
  if (/[\r\0]/.test(value)) {
    throw new Error(`value ${JSON.stringify(value)} contains a carriage return or NUL, which InfluxQL cannot quote`);
  }
  return value.replace(/[\\"']/g, (c) => '\\' + c).replace(/\n/g, '\\n');
}

/** influxQLString writes an InfluxQL string literal, like the backend's QuoteString. */
export function influxQLString(value: string): string {
  return `'${influxQLQuotedBody(value)}'`;
}

/**
 * influxQLRegexGroup writes an RE2 pattern for use inside an InfluxQL regex
 * literal /…/: every / escaped (the only escape InfluxQL's scanner resolves)
 * and the pattern wrapped in a non-capturing group, so that it never ends in
 * a backslash that would escape the closing /.
 */
export function influxQLRegexGroup(pattern: string): string {
  if (/[\n\r\0]/.test(pattern)) {
    throw new Error(`regex ${JSON.stringify(pattern)} contains a raw line break, carriage return or NUL`);
  }
  return '(?:' + pattern.replace(/\//g, '\\/') + ')';
}
