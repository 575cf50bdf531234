import { setTemplateSrv } from '@grafana/runtime';
import { screen, waitFor } from '@testing-library/react';

import { datasourceWithResources, renderQueryEditor } from '../testing/queryEditor';
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
});
