import { useEffect, useState } from 'react';
import { SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';

import type { DataSource } from '../datasource';
import { STATIC_METRICS } from '../metrics';
import { MetricInfo } from '../types';

/** What the editor lists in its pickers: the backend's answers, or why they are missing. */
export interface Choices {
  vms: Array<SelectableValue<string>>;
  vmsError?: string;
  metrics: MetricInfo[];
  metricsError?: string;
  loading: boolean;
}

/**
 * useChoices asks the backend's `vms` (of the host, if one is set) and `metrics`
 * resources; the dashboard's variables are offered beside the VMs, and the
 * built-in metric list stands in when the resource fails.
 */
export function useChoices(datasource: DataSource, host: string): Choices {
  const [choices, setChoices] = useState<Choices>({ vms: [], metrics: STATIC_METRICS, loading: true });
  useEffect(() => {
    let cancelled = false;
    const variables = templateVariableOptions();
    Promise.allSettled([datasource.getVms(host || undefined), datasource.getMetrics()]).then(([vms, metrics]) => {
      if (cancelled) {
        return;
      }
      setChoices({
        vms: [
          ...variables,
          ...(vms.status === 'fulfilled'
            ? vms.value.map((vm) => ({ label: `${vm.name} on ${vm.host}`, value: vm.ref, description: vm.uuid }))
            : []),
        ],
        vmsError: vms.status === 'rejected' ? describeError(vms.reason) : undefined,
        metrics: metrics.status === 'fulfilled' && metrics.value.length > 0 ? metrics.value : STATIC_METRICS,
        metricsError: metrics.status === 'rejected' ? describeError(metrics.reason) : undefined,
        loading: false,
      });
    });
    return () => {
      cancelled = true;
    };
  }, [datasource, host]);
  return choices;
}

function templateVariableOptions(): Array<SelectableValue<string>> {
  return getTemplateSrv()
    .getVariables()
    .map((v) => ({ label: `$${v.name}`, value: `$${v.name}`, description: 'Template variable' }));
}

function describeError(reason: unknown): string {
  if (reason && typeof reason === 'object') {
    const fetchError = reason as { data?: { message?: string }; message?: string; statusText?: string };
    return fetchError.data?.message ?? fetchError.message ?? fetchError.statusText ?? 'request failed';
  }
  return String(reason);
}
