import React from 'react';
import { SelectableValue } from '@grafana/data';
import { Field, FieldSet, RadioButtonGroup } from '@grafana/ui';

import { AuthType } from '../../types';
import { SecretSetting, TextSetting } from './settingFields';
import { settingsChanges, SettingsProps } from './settingsPart';

const AUTH_TYPES: Array<SelectableValue<AuthType>> = [
  { label: 'None', value: 'none' },
  { label: 'Token (InfluxDB 2.x/3.x)', value: 'token' },
  { label: 'User and password (1.x)', value: 'basic' },
];

/** How the backend signs in to InfluxDB; only the fields of the chosen way are shown. */
export function AuthSettings(props: SettingsProps) {
  const { setJsonData } = settingsChanges(props);
  const authType = props.options.jsonData.authType ?? 'none';
  return (
    <FieldSet label="Authentication">
      <Field label="Authentication">
        <RadioButtonGroup
          options={AUTH_TYPES}
          value={authType}
          onChange={(value) => setJsonData({ authType: value })}
        />
      </Field>
      {authType === 'token' && (
        <SecretSetting
          {...props}
          secret="token"
          id="config-token"
          label="Token"
          description="InfluxDB API token; stored encrypted"
          placeholder="API token"
        />
      )}
      {authType === 'basic' && (
        <>
          <TextSetting {...props} setting="username" id="config-username" label="User" />
          <SecretSetting
            {...props}
            secret="password"
            id="config-password"
            label="Password"
            description="Stored encrypted"
            placeholder="Password"
          />
        </>
      )}
    </FieldSet>
  );
}
