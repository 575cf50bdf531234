import { screen } from '@testing-library/react';

import { renderSettingsEditor, settings, userEvent } from '../testing/settingsEditor';
import { ConfigEditor } from './ConfigEditor';

// The tests of each part's fields are beside the part, in config/.

describe('ConfigEditor', () => {
  it('shows every part and keeps the changes of each', async () => {
    const { last } = renderSettingsEditor(ConfigEditor, settings({ url: '' }));
    for (const part of ['InfluxDB', 'Authentication', 'Connection', 'Live streams']) {
      expect(screen.getAllByText(part).length).toBeGreaterThan(0);
    }
    await userEvent.type(screen.getByPlaceholderText('http://localhost:8086'), 'http://influx:8086');
    await userEvent.type(document.getElementById('config-timeout')!, '5');
    await userEvent.type(document.getElementById('config-stream-interval')!, '500');
    await userEvent.click(screen.getByLabelText('Token (InfluxDB 2.x/3.x)'));
    expect(last()).toMatchObject({
      url: 'http://influx:8086',
      jsonData: { timeoutSeconds: 5, streamIntervalMs: 500, authType: 'token' },
    });
  });
});
