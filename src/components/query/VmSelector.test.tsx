import { setTemplateSrv } from '@grafana/runtime';
import { screen, waitFor } from '@testing-library/react';

import { datasourceWithResources, renderQueryEditor, userEvent } from '../../testing/queryEditor';
import { fakeTemplateSrv } from '../../testing/templateSrv';

beforeEach(() => {
  setTemplateSrv(fakeTemplateSrv({ vm: ['one-71'] }));
});

describe('VmSelector', () => {
  it('lists the VMs of the vms resource (name on host) and the template variables, and sets the picked VM by reference', async () => {
    const { ds, getResource } = datasourceWithResources();
    const { last, onRunQuery } = await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1, vmMode: 'list', vms: [] });
    await waitFor(() => expect(getResource).toHaveBeenCalledWith('vms', undefined));

    await userEvent.click(screen.getByLabelText('VM names'));
    expect(await screen.findByText('one-71 on kvm1')).toBeInTheDocument();
    expect(screen.getByText('one-72 on kvm1')).toBeInTheDocument();
    expect(screen.getByText('$vm')).toBeInTheDocument();
    expect(screen.getByText('uuid-72')).toBeInTheDocument();

    await userEvent.click(screen.getByText('one-72 on kvm1'));
    expect(last().vms).toEqual(['kvm1/one-72']);
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('asks the vms resource for the VMs of the query host', async () => {
    const { ds, getResource } = datasourceWithResources();
    await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1, vmMode: 'list', vms: ['one-71'], host: 'kvm2' });
    await waitFor(() => expect(getResource).toHaveBeenCalledWith('vms', { host: 'kvm2' }));
  });

  it('says why the VMs cannot be listed', async () => {
    const { ds } = datasourceWithResources({ fail: 'InfluxDB unreachable' });
    await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1, vmMode: 'list', vms: ['one-71'] });
    expect(await screen.findByText(/Could not list VMs: InfluxDB unreachable/)).toBeInTheDocument();
  });

  it('shows a bad regex beside the field and does not run the query', async () => {
    const { ds } = datasourceWithResources();
    const { last, onRunQuery } = await renderQueryEditor(ds, {
      refId: 'A',
      schemaVersion: 1,
      vmMode: 'regex',
      vmRegex: '',
    });
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
});
