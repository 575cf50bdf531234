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

  it('turns the rollups on and, for Flux, names their 1-minute bucket', async () => {
    const { last } = renderSettingsEditor(InfluxDbSettings, settings({ jsonData: { queryLanguage: 'flux' } }));
    expect(document.getElementById('config-rollup-bucket')).toBeNull();
    await userEvent.click(document.getElementById('config-rollups')!);
    await userEvent.type(document.getElementById('config-rollup-bucket')!, 'vms_1m');
    expect(last()).toMatchObject({ jsonData: { rollups: true, rollupBucket: 'vms_1m' } });
  });
});
