import { setTemplateSrv } from '@grafana/runtime';
import { screen, waitFor } from '@testing-library/react';

import { datasourceWithResources, renderQueryEditor, userEvent } from '../testing/queryEditor';
import { fakeTemplateSrv } from '../testing/templateSrv';
import { VmQuery } from '../types';

// The tests of each part's fields are beside the part, in query/.

beforeEach(() => {
  setTemplateSrv(fakeTemplateSrv({ vm: ['one-71'] }));
});

describe('QueryEditor', () => {
  it.each<[string, Partial<VmQuery>, RegExp]>([
    ['an empty VM list', { vmMode: 'list', vms: [] }, /Pick at least one VM/],
    ['an unknown metric', { metrics: ['cpu_usage_percent', 'bogus_metric'] }, /Unknown metric: bogus_metric/],
    [
      'a live interval out of range',
      { live: true, liveIntervalMs: 99999 },
      /Live interval must be between 100 and 60000 ms/,
    ],
    [
      'a raw statement that is not a SELECT',
      { queryType: 'raw', rawQuery: 'DROP DATABASE x' },
      /Only SELECT statements/,
    ],
  ])('shows a message for %s', async (_, patch, message) => {
    const { ds } = datasourceWithResources();
    await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1, ...patch });
    expect((await screen.findAllByText(message)).length).toBeGreaterThan(0);
    expect(screen.getByText('This query will not run until it is fixed')).toBeInTheDocument();
  });

  it('migrates a version-0 query when it opens', async () => {
    const { ds } = datasourceWithResources();
    const { changes } = await renderQueryEditor(ds, {
      refId: 'A',
      vm: 'one-71',
      metric: 'cpu_usage_percent',
      rate: false,
    });
    await waitFor(() => expect(changes.length).toBeGreaterThan(0));
    expect(changes[0]).toMatchObject({
      schemaVersion: 1,
      vmMode: 'list',
      vms: ['one-71'],
      metrics: ['cpu_usage_percent'],
      outputs: ['value'],
    });
    expect(changes[0]).not.toHaveProperty('vm');
    expect(screen.getByText('one-71')).toBeInTheDocument();
    expect(screen.getByLabelText('Value')).toBeChecked();
    expect(screen.getByLabelText('Rate (degrees)')).not.toBeChecked();
  });

  it('offers the fleet query: host, rate and live options, no VM or metric pickers, runnable with no metric', async () => {
    const { ds } = datasourceWithResources();
    const { changes, onRunQuery } = await renderQueryEditor(ds, {
      refId: 'A',
      schemaVersion: 1,
      queryType: 'metrics',
      vmMode: 'list',
      vms: ['one-71'],
      metrics: ['cpu_usage_percent'],
    });
    await userEvent.click(screen.getByRole('radio', { name: 'Fleet' }));
    await waitFor(() => expect(changes.at(-1)).toMatchObject({ queryType: 'fleet' }));
    expect(screen.getByLabelText('Host')).toBeInTheDocument();
    expect(screen.getByLabelText('Live')).toBeInTheDocument();
    expect(screen.getByLabelText('Gap limit')).toBeInTheDocument();
    expect(screen.queryByLabelText('VM names')).not.toBeInTheDocument();
    expect(screen.queryByText('Metrics', { selector: 'label' })).not.toBeInTheDocument();
    expect(onRunQuery).toHaveBeenCalled();

    await userEvent.type(screen.getByLabelText('Host'), 'kvm2');
    await waitFor(() => expect(changes.at(-1)).toMatchObject({ queryType: 'fleet', host: 'kvm2' }));
    expect(screen.queryByText('This query will not run until it is fixed')).not.toBeInTheDocument();
  });
});
