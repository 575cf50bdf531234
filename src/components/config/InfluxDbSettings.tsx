import React, { ChangeEvent } from 'react';
import { SelectableValue } from '@grafana/data';
import { Field, FieldSet, Input, RadioButtonGroup, Switch } from '@grafana/ui';

import { QueryLanguage } from '../../types';
import { TextSetting } from './settingFields';
import { INPUT_WIDTH, settingsChanges, SettingsProps } from './settingsPart';

const QUERY_LANGUAGES: Array<SelectableValue<QueryLanguage>> = [
  { label: 'InfluxQL', value: 'influxql', description: '/query API: InfluxDB 1.x, 2.x, 3.x' },
  { label: 'Flux', value: 'flux', description: '/api/v2/query: InfluxDB 1.8+ and 2.x' },
];

/**
 * Where the telemetry lives: server URL, query language, database and measurement (and Flux's org and
 * bucket), and whether InfluxDB holds the rollups that long ranges are read from.
 */
export function InfluxDbSettings(props: SettingsProps) {
  const { options, onOptionsChange } = props;
  const { jsonData } = options;
  const { setJsonData } = settingsChanges(props);
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
      <TextSetting
        {...props}
        setting="database"
        id="config-database"
        label="Database"
        description="InfluxQL database (on 2.x: the DBRP-mapped database)"
        placeholder="vm_telemetry"
      />
      <TextSetting
        {...props}
        setting="retentionPolicy"
        id="config-retention-policy"
        label="Retention policy"
        description="Optional; empty uses the database's default"
      />
      <TextSetting
        {...props}
        setting="measurement"
        id="config-measurement"
        label="Measurement"
        placeholder="vm_telemetry"
      />
      {queryLanguage === 'flux' && (
        <>
          <TextSetting
            {...props}
            setting="organization"
            id="config-organization"
            label="Organization"
            description="Flux on InfluxDB 2.x"
          />
          <TextSetting
            {...props}
            setting="bucket"
            id="config-bucket"
            label="Bucket"
            description="Empty: <database>/<retention policy or autogen> (InfluxDB 1.8)"
          />
        </>
      )}
      <Field
        label="Rollups"
        description="InfluxDB keeps 1- and 10-minute rollups (provisioning/influxdb/init/15-rollups.sh): ranges whose buckets are a minute or more read them"
      >
        <Switch
          id="config-rollups"
          value={jsonData.rollups ?? false}
          onChange={(event) => setJsonData({ rollups: event.currentTarget.checked })}
        />
      </Field>
      {queryLanguage === 'flux' && jsonData.rollups && (
        <TextSetting
          {...props}
          setting="rollupBucket"
          id="config-rollup-bucket"
          label="1-minute rollup bucket"
          description="Empty: <bucket>_1m, or <database>/rollup_1m for a 1.8 bucket. A name ending in _1m names the 10-minute bucket too (_10m)"
        />
      )}
    </FieldSet>
  );
}
