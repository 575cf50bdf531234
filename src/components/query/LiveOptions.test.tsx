import { setTemplateSrv } from '@grafana/runtime';
import { screen } from '@testing-library/react';

import { datasourceWithResources, renderQueryEditor, userEvent } from '../../testing/queryEditor';
import { fakeTemplateSrv } from '../../testing/templateSrv';

beforeEach(() => {
  setTemplateSrv(fakeTemplateSrv({}));
});

describe('LiveOptions', () => {
  it('turns live on and sets its interval', async () => {
    const { ds } = datasourceWithResources();
    const { last } = await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1, metrics: ['disk_read_bytes'] });
    expect(screen.queryByLabelText('Live interval')).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Live'));
    expect(last().live).toBe(true);
    await userEvent.clear(screen.getByLabelText('Live interval'));
    await userEvent.type(screen.getByLabelText('Live interval'), '500');
    expect(last().liveIntervalMs).toBe(500);
  });
});
