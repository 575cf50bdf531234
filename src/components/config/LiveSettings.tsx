import React from 'react';
import { Field, FieldSet, Input } from '@grafana/ui';

import { settingsChanges, SettingsProps } from './settingsPart';

/** Defaults of the live streams that queries with `live` on subscribe to. */
export function LiveSettings(props: SettingsProps) {
  const { onNumber } = settingsChanges(props);
  return (
    <FieldSet label="Live streams">
      <Field label="Live interval (ms)" description="Default interval of live streams; default 1000">
        <Input
          id="config-stream-interval"
          type="number"
          min={100}
          width={20}
          value={props.options.jsonData.streamIntervalMs ?? ''}
          placeholder="1000"
          onChange={onNumber('streamIntervalMs')}
        />
      </Field>
    </FieldSet>
  );
}
