import React from 'react';

import { AuthSettings } from './config/AuthSettings';
import { ConnectionSettings } from './config/ConnectionSettings';
import { InfluxDbSettings } from './config/InfluxDbSettings';
import { LiveSettings } from './config/LiveSettings';
import { SettingsProps } from './config/settingsPart';

/**
 * Settings of the data source (docs/PLUGIN-API.md), one part per concern
 * (config/). Secrets are write-only: Grafana sends back only
 * `secureJsonFields` flags, so a saved secret shows as "configured" with a
 * reset button, never as its value.
 */
export function ConfigEditor(props: SettingsProps) {
  return (
    <>
      <InfluxDbSettings {...props} />
      <AuthSettings {...props} />
      <ConnectionSettings {...props} />
      <LiveSettings {...props} />
    </>
  );
}
