import fs from 'fs';
import path from 'path';

import { influxQLQuotedBody, influxQLRegexGroup, influxQLString, regexAlternation, regexEscape } from './escape';

interface QuoteVector {
  value: string;
  influxqlString: string | null;
  influxqlIdent: string | null;
  regexEscaped: string;
  influxqlRegex: string | null;
}

const vectors: QuoteVector[] = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../testdata/influxql-quote-vectors.json'), 'utf8')
).vectors;

describe('escaping by the backend quoting layer rules (testdata/influxql-quote-vectors.json)', () => {
  it('has vectors, some refused by the backend', () => {
    expect(vectors.length).toBeGreaterThan(10);
    expect(vectors.some((v) => v.influxqlString === null)).toBe(true);
  });

  describe.each(vectors.map((v) => [JSON.stringify(v.value), v] as const))('value %s', (_, vector) => {
    it('as an InfluxQL string literal', () => {
      if (vector.influxqlString === null) {
        expect(() => influxQLString(vector.value)).toThrow(/cannot quote/);
      } else {
        expect(influxQLString(vector.value)).toBe(vector.influxqlString);
      }
    });

    it('inside an InfluxQL identifier', () => {
      if (vector.influxqlIdent === null) {
        expect(() => influxQLQuotedBody(vector.value)).toThrow();
      } else {
        expect(`"${influxQLQuotedBody(vector.value)}"`).toBe(vector.influxqlIdent);
      }
    });

    it('as a regex that matches exactly the value', () => {
      const escaped = regexEscape(vector.value);
      expect(escaped).toBe(vector.regexEscaped);
      expect(new RegExp(`^(?:${escaped})$`, 'u').test(vector.value)).toBe(true);
    });

    it('inside an InfluxQL regex literal', () => {
      expect(vector.influxqlRegex).not.toBeNull();
      expect(`/${influxQLRegexGroup(regexEscape(vector.value))}/`).toBe(vector.influxqlRegex);
    });
  });

  it('refuses text that is not valid UTF-8 (a lone surrogate)', () => {
    expect(() => influxQLString('bad \uD800 text')).toThrow(/not valid UTF-8/);
  });

  it('writes several values as one non-capturing alternation', () => {
    expect(regexAlternation(['one-71', 'web.1'])).toBe('(?:one-71|web\\.1)');
    expect(regexAlternation(['only'])).toBe('only');
  });
});
