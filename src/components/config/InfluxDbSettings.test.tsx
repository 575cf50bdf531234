import { screen } from '@testing-library/react';

import { renderSettingsEditor, settings, userEvent } from '../../testing/settingsEditor';
import { InfluxDbSettings } from './InfluxDbSettings';

describe('InfluxDbSettings', () => {
  it('edits URL, database, measurement and, for Flux only, organization and bucket', async () => {
    const { last } = renderSettingsEditor(InfluxDbSettings, settings({ url: '' }));
    await userEvent.type(screen.getByPlaceholderText('http://localhost:8086'), 'http://influx:8086');
    await userEvent.type(document.getElementById('config-database')!, 'vm_telemetry');
    await userEvent.type(document.getElementById('config-measurement')!, 'vm_stats');
    expect(document.getElementById('config-organization')).toBeNull();
    await userEvent.click(screen.getByLabelText('Flux'));
    await userEvent.type(document.getElementById('config-organization')!, 'acme');
    await userEvent.type(document.getElementById('config-bucket')!, 'vms');
    expect(last()).toMatchObject({
      url: 'http://influx:8086',
      jsonData: {
        database: 'vm_telemetry',
        measurement: 'vm_stats',
        queryLanguage: 'flux',
        organization: 'acme',
        bucket: 'vms',
      },
    });
  });
});
