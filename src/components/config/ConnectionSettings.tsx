import React from 'react';
import { Field, FieldSet, SecretTextArea, Switch } from '@grafana/ui';

import { NumberSetting } from './settingFields';
import { settingsChanges, SettingsProps } from './settingsPart';

/** The backend's requests to InfluxDB: their timeout and how the server's certificate is checked. */
export function ConnectionSettings(props: SettingsProps) {
  const { jsonData } = props.options;
  const secureJsonFields = props.options.secureJsonFields ?? {};
  const secureJsonData = props.options.secureJsonData ?? {};
  const { setJsonData, onSecret, onResetSecret } = settingsChanges(props);
  return (
    <FieldSet label="Connection">
      <NumberSetting
        {...props}
        setting="timeoutSeconds"
        min={1}
        id="config-timeout"
        label="Timeout (seconds)"
        description="Per InfluxDB request; default 30"
        placeholder="30"
      />
      <Field label="Skip TLS verification" description="Accept any server certificate (testing only)">
        <Switch
          id="config-tls-skip-verify"
          value={jsonData.tlsSkipVerify ?? false}
          onChange={(event) => setJsonData({ tlsSkipVerify: event.currentTarget.checked })}
        />
      </Field>
      <Field label="With CA certificate" description="Verify the server with your own CA">
        <Switch
          id="config-tls-with-ca"
          value={jsonData.tlsWithCACert ?? false}
          onChange={(event) => setJsonData({ tlsWithCACert: event.currentTarget.checked })}
        />
      </Field>
      {jsonData.tlsWithCACert && (
        <Field label="CA certificate" description="PEM; stored encrypted">
          <SecretTextArea
            id="config-tls-ca-cert"
            cols={60}
            rows={6}
            isConfigured={Boolean(secureJsonFields.tlsCACert)}
            value={secureJsonData.tlsCACert ?? ''}
            placeholder="-----BEGIN CERTIFICATE-----"
            onChange={onSecret('tlsCACert')}
            onReset={onResetSecret('tlsCACert')}
          />
        </Field>
      )}
    </FieldSet>
  );
}
