import React, { useState } from 'react';
import { setTemplateSrv } from '@grafana/runtime';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEventLibrary from '@testing-library/user-event';

import { DataSource } from '../datasource';
import { STATIC_METRICS } from '../metrics';
import { instanceSettings } from '../testing/instanceSettings';
import { fakeTemplateSrv } from '../testing/templateSrv';
import { VmQuery } from '../types';
import { QueryEditor } from './QueryEditor';

// No delay between keystrokes: the tests check results, not typing speed.
const userEvent = userEventLibrary.setup({ delay: null });

const VMS = [
  { name: 'one-71', host: 'kvm1', uuid: 'uuid-71' },
  { name: 'one-72', host: 'kvm1', uuid: 'uuid-72' },
];

function datasourceWithResources(answers: { vms?: unknown; metrics?: unknown; fail?: string }) {
  const ds = new DataSource(instanceSettings());
  const getResource = jest.spyOn(ds, 'getResource').mockImplementation(async (path: string) => {
    if (answers.fail) {
      throw { status: 502, data: { message: answers.fail } };
    }
    if (path === 'vms') {
      return answers.vms;
    }
    if (path === 'metrics') {
      return answers.metrics;
    }
    throw new Error(`unexpected resource ${path}`);
  });
  return { ds, getResource };
}

/** Renders the editor as a panel does: it keeps the query and passes each change back in. */
async function renderEditor(ds: DataSource, initial: Partial<VmQuery> & Record<string, unknown>) {
  const changes: VmQuery[] = [];
  const onRunQuery = jest.fn();
  function Host() {
    const [query, setQuery] = useState(initial as VmQuery);
    return (
      <QueryEditor
        datasource={ds}
        query={query}
        onRunQuery={onRunQuery}
        onChange={(next) => {
          changes.push(next);
          setQuery(next);
        }}
      />
    );
  }
  render(<Host />);
  // Let the resource answers arrive, as they would before a user acts.
  await act(async () => {});
  return { changes, onRunQuery, last: () => changes[changes.length - 1] };
}

beforeEach(() => {
  setTemplateSrv(fakeTemplateSrv({ vm: ['one-71'] }));
});

describe('QueryEditor', () => {
  it('lists the VMs of the vms resource and the template variables, and sets the picked VM', async () => {
    const { ds, getResource } = datasourceWithResources({ vms: { vms: VMS }, metrics: { metrics: STATIC_METRICS } });
    const { last, onRunQuery } = await renderEditor(ds, { refId: 'A', schemaVersion: 1, vmMode: 'list', vms: [] });
    await waitFor(() => expect(getResource).toHaveBeenCalledWith('vms', undefined));

    await userEvent.click(screen.getByLabelText('VM names'));
    expect(await screen.findByText('one-71')).toBeInTheDocument();
    expect(screen.getByText('one-72')).toBeInTheDocument();
    expect(screen.getByText('$vm')).toBeInTheDocument();
    expect(screen.getByText('kvm1 · uuid-72')).toBeInTheDocument();

    await userEvent.click(screen.getByText('one-72'));
    expect(last().vms).toEqual(['one-72']);
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('asks the vms resource for the VMs of the query host', async () => {
    const { ds, getResource } = datasourceWithResources({ vms: { vms: VMS }, metrics: { metrics: STATIC_METRICS } });
    await renderEditor(ds, { refId: 'A', schemaVersion: 1, vmMode: 'list', vms: ['one-71'], host: 'kvm2' });
    await waitFor(() => expect(getResource).toHaveBeenCalledWith('vms', { host: 'kvm2' }));
  });

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
    const { last } = await renderEditor(ds, { refId: 'A', schemaVersion: 1, metrics: ['cpu_usage_percent'] });
    await userEvent.click(screen.getByLabelText('Metric names'));
    await userEvent.click(await screen.findByText('cpu_steal_percent'));
    expect(last().metrics).toEqual(['cpu_usage_percent', 'cpu_steal_percent']);
  });

  it('falls back to the built-in metrics and says why when the resources fail', async () => {
    const { ds } = datasourceWithResources({ fail: 'InfluxDB unreachable' });
    await renderEditor(ds, {
      refId: 'A',
      schemaVersion: 1,
      vmMode: 'list',
      vms: ['one-71'],
      metrics: ['cpu_usage_percent'],
    });
    expect(await screen.findByText(/Could not list VMs: InfluxDB unreachable/)).toBeInTheDocument();
    expect(screen.getByText(/Metrics resource unavailable \(InfluxDB unreachable\)/)).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Metric names'));
    expect(await screen.findByText('network_tx_bytes')).toBeInTheDocument();
    expect(screen.getByText('domain_id')).toBeInTheDocument();
  });

  it('shows a bad regex beside the field and does not run the query', async () => {
    const { ds } = datasourceWithResources({ vms: { vms: VMS }, metrics: { metrics: STATIC_METRICS } });
    const { last, onRunQuery } = await renderEditor(ds, { refId: 'A', schemaVersion: 1, vmMode: 'regex', vmRegex: '' });
    expect(await screen.findAllByText('Enter a regular expression for the VM names.')).not.toHaveLength(0);
    const regex = screen.getByLabelText('VM regex');
    await userEvent.type(regex, 'one-(7');
    expect(last().vmRegex).toBe('one-(7');
    expect(screen.getAllByText(/Bad regex: .*one-\(7/).length).toBeGreaterThan(0);
    await userEvent.tab();
    expect(onRunQuery).not.toHaveBeenCalled();

    await userEvent.type(regex, ')');
    expect(screen.queryByText(/Bad regex/)).not.toBeInTheDocument();
    await userEvent.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

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
    const { ds } = datasourceWithResources({ vms: { vms: VMS }, metrics: { metrics: STATIC_METRICS } });
    await renderEditor(ds, { refId: 'A', schemaVersion: 1, ...patch });
    expect((await screen.findAllByText(message)).length).toBeGreaterThan(0);
    expect(screen.getByText('This query will not run until it is fixed')).toBeInTheDocument();
  });

  it('migrates a version-0 query when it opens', async () => {
    const { ds } = datasourceWithResources({ vms: { vms: VMS }, metrics: { metrics: STATIC_METRICS } });
    const { changes } = await renderEditor(ds, { refId: 'A', vm: 'one-71', metric: 'cpu_usage_percent', rate: false });
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

  it('turns live on, sets its interval, outputs, rate scale and raw InfluxQL', async () => {
    const { ds } = datasourceWithResources({ vms: { vms: VMS }, metrics: { metrics: STATIC_METRICS } });
    const { last } = await renderEditor(ds, { refId: 'A', schemaVersion: 1, metrics: ['disk_read_bytes'] });
    await userEvent.click(screen.getByLabelText('Live'));
    expect(last().live).toBe(true);
    await userEvent.clear(screen.getByLabelText('Live interval'));
    await userEvent.type(screen.getByLabelText('Live interval'), '500');
    expect(last().liveIntervalMs).toBe(500);
    await userEvent.click(screen.getByLabelText('Per second (byte counters)'));
    expect(last().outputs).toEqual(['value', 'rate']);
    await userEvent.type(screen.getByLabelText('Rate scale of disk_read_bytes'), '1024');
    expect(last().rateScales).toEqual({ disk_read_bytes: 1024 });

    await act(async () => {
      await userEvent.click(screen.getByLabelText('Raw InfluxQL'));
    });
    await userEvent.type(screen.getByRole('textbox', { name: 'Raw InfluxQL' }), 'SELECT 1');
    expect(last()).toMatchObject({ queryType: 'raw', rawQuery: 'SELECT 1' });
  });
});
