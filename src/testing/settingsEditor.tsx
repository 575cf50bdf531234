import React, { ComponentType, useState } from 'react';
import { DataSourceSettings } from '@grafana/data';
import { render } from '@testing-library/react';
import userEventLibrary from '@testing-library/user-event';

import { SettingsProps } from '../components/config/settingsPart';
import { VmDataSourceOptions, VmSecureJsonData } from '../types';

// No delay between keystrokes: the tests check results, not typing speed.
export const userEvent = userEventLibrary.setup({ delay: null });

type Settings = DataSourceSettings<VmDataSourceOptions, VmSecureJsonData>;

/** Saved settings of a data source, as Grafana hands them to the settings page. */
export function settings(patch: Partial<Settings>): Settings {
  return {
    id: 1,
    uid: 'vmt-test',
    orgId: 1,
    name: 'VM Telemetry',
    type: 'vmtelemetry-libvirt-datasource',
    typeName: 'VM Telemetry',
    typeLogoUrl: '',
    access: 'proxy',
    url: 'http://127.0.0.1:8086',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    jsonData: {},
    secureJsonFields: {},
    ...patch,
  };
}

/**
 * Renders the ConfigEditor, or one of its parts, as Grafana does: it keeps the
 * settings and passes each change back in.
 */
export function renderSettingsEditor(Editor: ComponentType<SettingsProps>, initial: Settings) {
  const changes: Settings[] = [];
  function Host() {
    const [options, setOptions] = useState(initial);
    return (
      <Editor
        options={options}
        onOptionsChange={(next) => {
          changes.push(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Host />);
  return { changes, last: () => changes[changes.length - 1] };
}
