import React from 'react';
import { SelectableValue } from '@grafana/data';
import { Field, FieldSet, Input, RadioButtonGroup, SecretInput } from '@grafana/ui';

import { AuthType } from '../../types';
import { INPUT_WIDTH, settingsChanges, SettingsProps } from './settingsPart';

const AUTH_TYPES: Array<SelectableValue<AuthType>> = [
  { label: 'None', value: 'none' },
  { label: 'Token (InfluxDB 2.x/3.x)', value: 'token' },
  { label: 'User and password (1.x)', value: 'basic' },
];

/** How the backend signs in to InfluxDB; only the fields of the chosen way are shown. */
export function AuthSettings(props: SettingsProps) {
  const { jsonData } = props.options;
  const secureJsonFields = props.options.secureJsonFields ?? {};
  const secureJsonData = props.options.secureJsonData ?? {};
  const { setJsonData, onText, onSecret, onResetSecret } = settingsChanges(props);
  const authType = jsonData.authType ?? 'none';
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
        <Field label="Token" description="InfluxDB API token; stored encrypted">
          <SecretInput
            id="config-token"
            width={INPUT_WIDTH}
            isConfigured={Boolean(secureJsonFields.token)}
            value={secureJsonData.token ?? ''}
            placeholder="API token"
            onChange={onSecret('token')}
            onReset={onResetSecret('token')}
          />
        </Field>
      )}
      {authType === 'basic' && (
        <>
          <Field label="User">
            <Input
              id="config-username"
              width={INPUT_WIDTH}
              value={jsonData.username ?? ''}
              onChange={onText('username')}
            />
          </Field>
          <Field label="Password" description="Stored encrypted">
            <SecretInput
              id="config-password"
              width={INPUT_WIDTH}
              isConfigured={Boolean(secureJsonFields.password)}
              value={secureJsonData.password ?? ''}
              placeholder="Password"
              onChange={onSecret('password')}
              onReset={onResetSecret('password')}
            />
          </Field>
        </>
      )}
    </FieldSet>
  );
}
