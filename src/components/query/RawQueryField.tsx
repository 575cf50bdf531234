import React, { ChangeEvent } from 'react';
import { Field, TextArea } from '@grafana/ui';

import { fieldIssue, QueryPartProps } from './queryPart';

/** The statement of a raw InfluxQL query. */
export function RawQueryField({ query, issues, onChange, onBlur }: QueryPartProps) {
  return (
    <Field
      label="InfluxQL"
      description="SELECT only. $timeFilter and $__interval are filled in by the backend; template variables are escaped."
      {...fieldIssue(issues, 'rawQuery')}
    >
      <TextArea
        aria-label="Raw InfluxQL"
        rows={4}
        value={query.rawQuery}
        placeholder='SELECT mean("cpu_usage_percent") FROM "vm_telemetry" WHERE $timeFilter GROUP BY time($__interval), "vm"'
        onChange={(event: ChangeEvent<HTMLTextAreaElement>) => onChange({ rawQuery: event.target.value }, false)}
        onBlur={onBlur}
      />
    </Field>
  );
}
