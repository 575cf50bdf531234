import { setTemplateSrv } from '@grafana/runtime';
import { screen } from '@testing-library/react';

import { datasourceWithResources, renderQueryEditor, userEvent } from '../../testing/queryEditor';
import { fakeTemplateSrv } from '../../testing/templateSrv';

beforeEach(() => {
  setTemplateSrv(fakeTemplateSrv({}));
});

describe('RateScalesField', () => {
  it('sets the rate scale of a metric, and clears it back to the default', async () => {
    const { ds } = datasourceWithResources();
    const { last } = await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1, metrics: ['disk_read_bytes'] });
    const scale = screen.getByLabelText('Rate scale of disk_read_bytes');
    expect(scale).toHaveAttribute('placeholder', '1048576');
    await userEvent.type(scale, '1024');
    expect(last().rateScales).toEqual({ disk_read_bytes: 1024 });
    await userEvent.clear(scale);
    expect(last().rateScales).toEqual({});
  });
});
