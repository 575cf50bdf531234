import React, { ChangeEvent } from 'react';
import { DataSourcePluginOptionsEditorProps, SelectableValue } from '@grafana/data';
import { Field, FieldSet, Input, RadioButtonGroup, SecretInput, SecretTextArea, Switch } from '@grafana/ui';

import { AuthType, QueryLanguage, VmDataSourceOptions, VmSecureJsonData } from '../types';

type Props = DataSourcePluginOptionsEditorProps<VmDataSourceOptions, VmSecureJsonData>;
type SecureKey = keyof VmSecureJsonData;

const AUTH_TYPES: Array<SelectableValue<AuthType>> = [
  { label: 'None', value: 'none' },
  { label: 'Token (InfluxDB 2.x/3.x)', value: 'token' },
  { label: 'User and password (1.x)', value: 'basic' },
];

const QUERY_LANGUAGES: Array<SelectableValue<QueryLanguage>> = [
  { label: 'InfluxQL', value: 'influxql', description: '/query API: InfluxDB 1.x, 2.x, 3.x' },
  { label: 'Flux', value: 'flux', description: '/api/v2/query: InfluxDB 1.8+ and 2.x' },
];

const LABEL_WIDTH = 40;

/**
 * Settings of the data source (docs/PLUGIN-API.md). Secrets are write-only:
 * Grafana sends back only `secureJsonFields` flags, so a saved secret shows
 * as "configured" with a reset button, never as its value.
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData } = options;
  const secureJsonFields = options.secureJsonFields ?? {};
  const secureJsonData = options.secureJsonData ?? {};
  const authType = jsonData.authType ?? 'none';
  const queryLanguage = jsonData.queryLanguage ?? 'influxql';

  const setJsonData = (patch: Partial<VmDataSourceOptions>) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...patch } });

  const onText = (key: keyof VmDataSourceOptions) => (event: ChangeEvent<HTMLInputElement>) =>
    setJsonData({ [key]: event.target.value });

  const onNumber = (key: keyof VmDataSourceOptions) => (event: ChangeEvent<HTMLInputElement>) => {
    const value = event.target.value === '' ? undefined : Number(event.target.value);
    setJsonData({ [key]: value });
  };

  const onSecret = (key: SecureKey) => (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [key]: event.target.value } });

  const onResetSecret = (key: SecureKey) => () =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, [key]: false },
      secureJsonData: { ...secureJsonData, [key]: '' },
    });

  return (
    <>
      <FieldSet label="InfluxDB">
        <Field label="URL" description="Base URL of the InfluxDB server, e.g. http://influxdb:8086" required>
          <Input
            id="config-url"
            width={LABEL_WIDTH}
            value={options.url}
            placeholder="http://localhost:8086"
            onChange={(event: ChangeEvent<HTMLInputElement>) =>
              onOptionsChange({ ...options, url: event.target.value })
            }
          />
        </Field>
        <Field label="Query language">
          <RadioButtonGroup
            options={QUERY_LANGUAGES}
            value={queryLanguage}
            onChange={(value) => setJsonData({ queryLanguage: value })}
          />
        </Field>
        <Field label="Database" description="InfluxQL database (on 2.x: the DBRP-mapped database)">
          <Input
            id="config-database"
            width={LABEL_WIDTH}
            value={jsonData.database ?? ''}
            placeholder="vm_telemetry"
            onChange={onText('database')}
          />
        </Field>
        <Field label="Retention policy" description="Optional; empty uses the database's default">
          <Input
            id="config-retention-policy"
            width={LABEL_WIDTH}
            value={jsonData.retentionPolicy ?? ''}
            onChange={onText('retentionPolicy')}
          />
        </Field>
        <Field label="Measurement">
          <Input
            id="config-measurement"
            width={LABEL_WIDTH}
            value={jsonData.measurement ?? ''}
            placeholder="vm_telemetry"
            onChange={onText('measurement')}
          />
        </Field>
        {queryLanguage === 'flux' && (
          <>
            <Field label="Organization" description="Flux on InfluxDB 2.x">
              <Input
                id="config-organization"
                width={LABEL_WIDTH}
                value={jsonData.organization ?? ''}
                onChange={onText('organization')}
              />
            </Field>
            <Field label="Bucket" description="Empty: <database>/<retention policy or autogen> (InfluxDB 1.8)">
              <Input id="config-bucket" width={LABEL_WIDTH} value={jsonData.bucket ?? ''} onChange={onText('bucket')} />
            </Field>
          </>
        )}
      </FieldSet>

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
              width={LABEL_WIDTH}
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
                width={LABEL_WIDTH}
                value={jsonData.username ?? ''}
                onChange={onText('username')}
              />
            </Field>
            <Field label="Password" description="Stored encrypted">
              <SecretInput
                id="config-password"
                width={LABEL_WIDTH}
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

      <FieldSet label="Connection">
        <Field label="Timeout (seconds)" description="Per InfluxDB request; default 30">
          <Input
            id="config-timeout"
            type="number"
            min={1}
            width={20}
            value={jsonData.timeoutSeconds ?? ''}
            placeholder="30"
            onChange={onNumber('timeoutSeconds')}
          />
        </Field>
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
        <Field label="Live interval (ms)" description="Default interval of live streams; default 1000">
          <Input
            id="config-stream-interval"
            type="number"
            min={100}
            width={20}
            value={jsonData.streamIntervalMs ?? ''}
            placeholder="1000"
            onChange={onNumber('streamIntervalMs')}
          />
        </Field>
      </FieldSet>
    </>
  );
}
