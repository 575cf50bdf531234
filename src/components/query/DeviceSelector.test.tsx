import { setTemplateSrv } from '@grafana/runtime';
import { act, screen } from '@testing-library/react';

import { DataSource } from '../../datasource';
import { datasourceWithResources, renderQueryEditor, userEvent } from '../../testing/queryEditor';
import { instanceSettings } from '../../testing/instanceSettings';
import { fakeTemplateSrv } from '../../testing/templateSrv';
import { VmQuery } from '../../types';

beforeEach(() => {
  setTemplateSrv(fakeTemplateSrv({ disk: ['vda', 'vdb'] }));
});

describe('devices queries', () => {
  it('switching to Devices reads disks with their default metrics; Interfaces switches the metrics too', async () => {
    const { ds } = datasourceWithResources();
    const { last } = await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1, live: true });
    await act(async () => {
      await userEvent.click(screen.getByLabelText('Devices'));
    });
    expect(last()).toMatchObject({
      queryType: 'devices',
      deviceKind: 'disk',
      metrics: ['read_bytes', 'write_bytes'],
      live: false,
    });
    expect(screen.getByText('Empty: read_bytes, write_bytes')).toBeInTheDocument();
    await act(async () => {
      await userEvent.click(screen.getByLabelText('Interfaces'));
    });
    expect(last()).toMatchObject({ deviceKind: 'interface', devices: [], metrics: ['rx_bytes', 'tx_bytes'] });
    await userEvent.click(screen.getByLabelText('Metric names'));
    expect(await screen.findByText('rx_drops')).toBeInTheDocument();
    expect(screen.queryByText('cpu_usage_percent')).not.toBeInTheDocument();
  });

  it('device names are typed in; a metric of the other kind is refused beside the field', async () => {
    const { ds } = datasourceWithResources();
    const { last } = await renderQueryEditor(ds, {
      refId: 'A',
      schemaVersion: 1,
      queryType: 'devices',
      deviceKind: 'disk',
      metrics: ['rx_bytes'],
    });
    expect((await screen.findAllByText(/Unknown metric: rx_bytes/)).length).toBeGreaterThan(0);
    await userEvent.type(screen.getByLabelText('Device names'), 'vdb{enter}');
    expect(last().devices).toEqual(['vdb']);
  });

  it('a multi-value variable in devices becomes one entry per value', () => {
    const ds = new DataSource(instanceSettings());
    const query = {
      refId: 'A',
      schemaVersion: 1,
      queryType: 'devices',
      deviceKind: 'disk',
      devices: ['$disk', 'vdc'],
    } as VmQuery;
    expect(ds.applyTemplateVariables(query, {}).devices).toEqual(['vda', 'vdb', 'vdc']);
  });
});

describe('the state metric', () => {
  it('a metrics query may name state beside the numeric metrics', async () => {
    const { ds } = datasourceWithResources();
    const { last } = await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1, metrics: ['cpu_usage_percent'] });
    await userEvent.click(screen.getByLabelText('Metric names'));
    await userEvent.click(await screen.findByText('state'));
    expect(last().metrics).toEqual(['cpu_usage_percent', 'state']);
    expect(screen.queryByText(/Unknown metric/)).not.toBeInTheDocument();
  });
});
