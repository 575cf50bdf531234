import { ScopedVars, TypedVariableModel } from '@grafana/data';
import { BackendSrv, BackendSrvRequest, FetchResponse, TemplateSrv } from '@grafana/runtime';
import { from, Observable } from 'rxjs';

/**
 * The part of Grafana's BackendSrv that a data source plugin's frontend uses:
 * fetch() against the server that serves this page (Grafana's /api paths).
 */
export function harnessBackendSrv(): BackendSrv {
  const fetchResponse = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    from(
      (async () => {
        const url = new URL(options.url, window.location.origin);
        for (const [key, value] of Object.entries(options.params ?? {})) {
          url.searchParams.set(key, String(value));
        }
        const response = await fetch(url, {
          method: options.method ?? 'GET',
          headers: { 'Content-Type': 'application/json', ...(options.headers ?? {}) },
          body: options.data === undefined ? undefined : JSON.stringify(options.data),
        });
        const text = await response.text();
        const data = text ? JSON.parse(text) : undefined;
        if (!response.ok) {
          throw { status: response.status, statusText: response.statusText, data };
        }
        return {
          data,
          status: response.status,
          statusText: response.statusText,
          ok: response.ok,
          headers: response.headers,
          redirected: response.redirected,
          type: response.type,
          url: response.url,
          config: options,
        } as FetchResponse<T>;
      })()
    );
  return {
    fetch: fetchResponse,
    get: async (url: string, params?: BackendSrvRequest['params']) => {
      const response = await fetchResponse({ url, params }).toPromise();
      return response?.data;
    },
  } as unknown as BackendSrv;
}

/** Dashboard variables of the harness: what the VM picker offers as $variables. */
export function harnessTemplateSrv(variables: Record<string, string[]>): TemplateSrv {
  return {
    getVariables: () => Object.keys(variables).map((name) => ({ name, type: 'query' }) as TypedVariableModel),
    replace: (target?: string, _scopedVars?: ScopedVars) => target ?? '',
    containsTemplate: (target?: string) => Boolean(target?.includes('$')),
    updateTimeRange: () => {},
  } as unknown as TemplateSrv;
}
