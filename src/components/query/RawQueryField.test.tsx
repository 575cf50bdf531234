import { setTemplateSrv } from '@grafana/runtime';
import { act, screen } from '@testing-library/react';

import { datasourceWithResources, renderQueryEditor, userEvent } from '../../testing/queryEditor';
import { fakeTemplateSrv } from '../../testing/templateSrv';

beforeEach(() => {
  setTemplateSrv(fakeTemplateSrv({}));
});

describe('RawQueryField', () => {
  it('replaces the metrics fields and live with the statement of a raw query', async () => {
    const { ds } = datasourceWithResources();
    const { last } = await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1 });
    await act(async () => {
      await userEvent.click(screen.getByLabelText('Raw InfluxQL'));
    });
    expect(screen.queryByLabelText('Metric names')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Live')).not.toBeInTheDocument();
    await userEvent.type(screen.getByRole('textbox', { name: 'Raw InfluxQL' }), 'SELECT 1');
    expect(last()).toMatchObject({ queryType: 'raw', rawQuery: 'SELECT 1' });
  });
});
