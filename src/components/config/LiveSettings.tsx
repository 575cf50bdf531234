import React from 'react';
import { FieldSet } from '@grafana/ui';

import { NumberSetting } from './settingFields';
import { SettingsProps } from './settingsPart';

/** Defaults of the live streams that queries with `live` on subscribe to. */
export function LiveSettings(props: SettingsProps) {
  return (
    <FieldSet label="Live streams">
      <NumberSetting
        {...props}
        setting="streamIntervalMs"
        min={100}
        id="config-stream-interval"
        label="Live interval (ms)"
        description="Default interval of live streams; default 1000"
        placeholder="1000"
      />
    </FieldSet>
  );
}
