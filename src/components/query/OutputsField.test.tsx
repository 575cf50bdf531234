import { setTemplateSrv } from '@grafana/runtime';
import { screen } from '@testing-library/react';

import { datasourceWithResources, renderQueryEditor, userEvent } from '../../testing/queryEditor';
import { fakeTemplateSrv } from '../../testing/templateSrv';

beforeEach(() => {
  setTemplateSrv(fakeTemplateSrv({}));
});

describe('OutputsField', () => {
  it('keeps the outputs in their fixed order whatever the order of clicks', async () => {
    const { ds } = datasourceWithResources();
    const { last } = await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1, metrics: ['disk_read_bytes'] });
    await userEvent.click(screen.getByLabelText('Per second (byte counters)'));
    expect(last().outputs).toEqual(['value', 'rate']);
    await userEvent.click(screen.getByLabelText('Value'));
    expect(last().outputs).toEqual(['rate']);
    await userEvent.click(screen.getByLabelText('Per second (byte counters)'));
    await userEvent.click(screen.getByLabelText('Value'));
    expect(last().outputs).toEqual(['value', 'rate', 'per_second']);
  });
});
