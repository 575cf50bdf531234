import React, { ChangeEvent } from 'react';
import { SelectableValue } from '@grafana/data';
import { Field, FieldSet, Input, RadioButtonGroup } from '@grafana/ui';

import { QueryLanguage } from '../../types';
import { INPUT_WIDTH, settingsChanges, SettingsProps } from './settingsPart';

const QUERY_LANGUAGES: Array<SelectableValue<QueryLanguage>> = [
  { label: 'InfluxQL', value: 'influxql', description: '/query API: InfluxDB 1.x, 2.x, 3.x' },
  { label: 'Flux', value: 'flux', description: '/api/v2/query: InfluxDB 1.8+ and 2.x' },
];

/** Where the telemetry lives: server URL, query language, database and measurement (and Flux's org and bucket). */
export function InfluxDbSettings(props: SettingsProps) {
  const { options, onOptionsChange } = props;
  const { jsonData } = options;
  const { setJsonData, onText } = settingsChanges(props);
  const queryLanguage = jsonData.queryLanguage ?? 'influxql';
  return (
    <FieldSet label="InfluxDB">
      <Field label="URL" description="Base URL of the InfluxDB server, e.g. http://influxdb:8086" required>
        <Input
          id="config-url"
          width={INPUT_WIDTH}
          value={options.url}
          placeholder="http://localhost:8086"
          onChange={(event: ChangeEvent<HTMLInputElement>) => onOptionsChange({ ...options, url: event.target.value })}
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
          width={INPUT_WIDTH}
          value={jsonData.database ?? ''}
          placeholder="vm_telemetry"
          onChange={onText('database')}
        />
      </Field>
      <Field label="Retention policy" description="Optional; empty uses the database's default">
        <Input
          id="config-retention-policy"
          width={INPUT_WIDTH}
          value={jsonData.retentionPolicy ?? ''}
          onChange={onText('retentionPolicy')}
        />
      </Field>
      <Field label="Measurement">
        <Input
          id="config-measurement"
          width={INPUT_WIDTH}
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
              width={INPUT_WIDTH}
              value={jsonData.organization ?? ''}
              onChange={onText('organization')}
            />
          </Field>
          <Field label="Bucket" description="Empty: <database>/<retention policy or autogen> (InfluxDB 1.8)">
            <Input id="config-bucket" width={INPUT_WIDTH} value={jsonData.bucket ?? ''} onChange={onText('bucket')} />
          </Field>
        </>
      )}
    </FieldSet>
  );
}
