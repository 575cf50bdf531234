import { ScopedVars, TypedVariableModel } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

const REFERENCE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}/g;

type Format = string | ((value: unknown, variable?: unknown) => string) | undefined;

/**
 * A template service for tests that replaces variables as Grafana's does:
 * scoped variables first, then the dashboard's; a format function gets the
 * value (an array for multi-value variables); without one, several values
 * are written as {a,b} like Grafana's default glob format.
 */
export function fakeTemplateSrv(variables: Record<string, string | string[]>): TemplateSrv {
  const replace = (target?: string, scopedVars?: ScopedVars, format?: Format): string =>
    (target ?? '').replace(REFERENCE, (reference, n1, n2, _f2, n4) => {
      const name: string = n1 ?? n2 ?? n4;
      const value = scopedVars?.[name]?.value ?? variables[name];
      if (value === undefined) {
        return reference;
      }
      if (typeof format === 'function') {
        return format(value, { name });
      }
      return Array.isArray(value) ? `{${value.join(',')}}` : String(value);
    });
  return {
    replace,
    getVariables: () => Object.keys(variables).map((name) => ({ name }) as TypedVariableModel),
    containsTemplate: (target?: string) => Boolean(target && new RegExp(REFERENCE.source).test(target)),
    updateTimeRange: () => {},
  } as TemplateSrv;
}
