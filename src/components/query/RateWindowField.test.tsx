import { setTemplateSrv } from '@grafana/runtime';
import { screen } from '@testing-library/react';

import { datasourceWithResources, renderQueryEditor, userEvent } from '../../testing/queryEditor';
import { fakeTemplateSrv } from '../../testing/templateSrv';
import { maxPercentAngle } from './RateWindowField';

beforeEach(() => {
  setTemplateSrv(fakeTemplateSrv({}));
});

describe('RateWindowField', () => {
  it('gives the steepest angle a percentage can reach over the window', () => {
    expect(maxPercentAngle(0).toFixed(1)).toBe('89.4');
    expect(maxPercentAngle(10).toFixed(1)).toBe('84.3');
    expect(maxPercentAngle(60).toFixed(1)).toBe('59.0');
    expect(maxPercentAngle(300).toFixed(1)).toBe('18.4');
  });

  it('sets a preset window and shows its largest angle', async () => {
    const { ds } = datasourceWithResources();
    const { last } = await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1, metrics: ['cpu_usage_percent'] });
    expect(screen.getByText(/at most 89\.4°/)).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('1 m'));
    expect(last().rateWindowSeconds).toBe(60);
  });

  it('takes a custom window in seconds', async () => {
    const { ds } = datasourceWithResources();
    const { last } = await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1, rateWindowSeconds: 120 });
    expect(screen.getByText(/at most 39\.8°/)).toBeInTheDocument();
    const input = screen.getByLabelText('Rate window in seconds');
    await userEvent.clear(input);
    await userEvent.type(input, '45');
    expect(last().rateWindowSeconds).toBe(45);
  });
});
