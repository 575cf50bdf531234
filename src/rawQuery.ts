import { influxQLQuotedBody, influxQLRegexGroup, influxQLString, regexAlternation } from './escape';

/** Macros the backend expands itself (docs/PLUGIN-API.md, raw queries). */
const BACKEND_MACROS = new Set(['timeFilter', '__interval']);

/** A variable reference as Grafana writes them: $name, ${name}, ${name:format}, [[name]], [[name:format]]. */
const VARIABLE_REFERENCE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}/y;

/** A value that cannot leave its place in a query: a number or an InfluxQL duration. */
const NUMBER_OR_DURATION = /^-?\d+(?:\.\d+)?(?:ns|u|µ|ms|s|m|h|d|w)?$/;

type Context = 'bare' | 'string' | 'identifier' | 'regex' | 'lineComment' | 'blockComment';

export interface RawQueryVariables {
  /** The values of a template variable, or undefined when no variable has that name. */
  values(name: string): string[] | undefined;
  /** Grafana's own interpolation, for its built-in variables (`__from`, `__to`, …) with a format. */
  builtIn(reference: string): string;
}

/**
 * interpolateRawQuery replaces the template variables of a raw InfluxQL
 * query, escaping each value for the place where it stands:
 * - inside '…' or "…": escaped like the backend's QuoteString/QuoteIdent;
 * - inside a regex literal after =~ or !~: regex-escaped, several values as
 *   one alternation, wrapped so that it cannot close the literal;
 * - elsewhere: numbers and durations as they are, anything else as a string literal.
 * A variable with several values where only one fits, or a format that would
 * bypass the escaping, is an error that names the variable.
 */
export function interpolateRawQuery(query: string, variables: RawQueryVariables): string {
  let out = '';
  let context: Context = 'bare';
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    // InfluxQL comments: a quote in one opens nothing, and a variable in one stays as written.
    if (context === 'bare' && (query.startsWith('--', i) || query.startsWith('/*', i))) {
      context = c === '-' ? 'lineComment' : 'blockComment';
      out += query.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (context === 'blockComment' && query.startsWith('*/', i)) {
      context = 'bare';
      out += '*/';
      i += 2;
      continue;
    }
    if ((c === '$' || c === '[') && context !== 'lineComment' && context !== 'blockComment') {
      VARIABLE_REFERENCE.lastIndex = i;
      const match = VARIABLE_REFERENCE.exec(query);
      if (match) {
        out += substitute(match, context, variables);
        i += match[0].length;
        continue;
      }
    }
    if ((context === 'string' || context === 'identifier' || context === 'regex') && c === '\\' && i + 1 < query.length) {
      out += c + query[i + 1];
      i += 2;
      continue;
    }
    context = nextContext(context, c, out);
    out += c;
    i++;
  }
  return out;
}

function nextContext(context: Context, c: string, before: string): Context {
  switch (context) {
    case 'bare':
      if (c === "'") {
        return 'string';
      }
      if (c === '"') {
        return 'identifier';
      }
      if (c === '/' && /[=!]~\s*$/.test(before)) {
        return 'regex';
      }
      return 'bare';
    case 'string':
      return c === "'" ? 'bare' : context;
    case 'identifier':
      return c === '"' ? 'bare' : context;
    case 'regex':
      return c === '/' ? 'bare' : context;
    case 'lineComment':
      return c === '\n' ? 'bare' : context;
    case 'blockComment':
      return context;
  }
}

function substitute(match: RegExpExecArray, context: Context, variables: RawQueryVariables): string {
  const reference = match[0];
  const name = match[1] ?? match[2] ?? match[4];
  const format = match[3] ?? match[5];
  if (BACKEND_MACROS.has(name)) {
    return reference;
  }
  if (name.startsWith('__') && format !== undefined) {
    return variables.builtIn(reference);
  }
  const values = variables.values(name);
  if (values === undefined) {
    return reference;
  }
  if (format !== undefined) {
    throw new Error(
      `${reference}: formats are not supported for variables in raw queries; the plugin escapes values itself, write $${name}`
    );
  }
  if (values.length === 0) {
    throw new Error(`$${name} has no value`);
  }
  if (context === 'regex') {
    return influxQLRegexGroup(regexAlternation(values));
  }
  if (values.length > 1) {
    throw new Error(
      `$${name} has ${values.length} values, but a ${context === 'bare' ? 'value' : 'quoted ' + context} holds one; ` +
        `match several with a regex: =~ /^$${name}$/`
    );
  }
  const value = values[0];
  if (context === 'bare') {
    return NUMBER_OR_DURATION.test(value) ? value : influxQLString(value);
  }
  return influxQLQuotedBody(value);
}
