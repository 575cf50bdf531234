import { setTemplateSrv } from '@grafana/runtime';
import { screen } from '@testing-library/react';

import { datasourceWithResources, renderQueryEditor, userEvent, VMS } from '../../testing/queryEditor';
import { fakeTemplateSrv } from '../../testing/templateSrv';

beforeEach(() => {
  setTemplateSrv(fakeTemplateSrv({}));
});

describe('MetricPicker', () => {
  it('lists the metrics of the metrics resource', async () => {
    const { ds } = datasourceWithResources({
      vms: { vms: VMS },
      metrics: {
        metrics: [
          { name: 'cpu_usage_percent', unit: 'percent', kind: 'gauge', defaultScale: 1 },
          { name: 'cpu_steal_percent', unit: 'percent', kind: 'gauge', defaultScale: 1 },
        ],
      },
    });
    const { last } = await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1, metrics: ['cpu_usage_percent'] });
    await userEvent.click(screen.getByLabelText('Metric names'));
    await userEvent.click(await screen.findByText('cpu_steal_percent'));
    expect(last().metrics).toEqual(['cpu_usage_percent', 'cpu_steal_percent']);
  });

  it('falls back to the built-in metrics and says why when the resource fails', async () => {
    const { ds } = datasourceWithResources({ fail: 'InfluxDB unreachable' });
    await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1, metrics: ['cpu_usage_percent'] });
    expect(await screen.findByText(/Metrics resource unavailable \(InfluxDB unreachable\)/)).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Metric names'));
    expect(await screen.findByText('network_tx_bytes')).toBeInTheDocument();
    expect(screen.getByText('domain_id')).toBeInTheDocument();
  });
});
