import React, { ChangeEvent } from 'react';
import { SelectableValue } from '@grafana/data';
import { Field, Input, RadioButtonGroup } from '@grafana/ui';

import { Aggregation } from '../../types';
import { fieldIssue, QueryPartProps } from './queryPart';

const AGGREGATIONS: Array<SelectableValue<Aggregation>> = ['mean', 'last', 'max', 'min'].map((a) => ({
  label: a,
  value: a as Aggregation,
}));

/** How a time range is read: the gap that breaks a line, and (metrics queries) how points are thinned. */
export function RangeOptions({ query, issues, onChange, onBlur }: QueryPartProps) {
  return (
    <>
      <Field label="Gap limit (s)" description="0 = automatic" {...fieldIssue(issues, 'gapLimitSeconds')}>
        <Input
          aria-label="Gap limit"
          type="number"
          width={12}
          value={query.gapLimitSeconds}
          onChange={(event: ChangeEvent<HTMLInputElement>) =>
            onChange({ gapLimitSeconds: event.target.value === '' ? 0 : Number(event.target.value) }, false)
          }
          onBlur={onBlur}
        />
      </Field>
      {query.queryType === 'metrics' && (
        <Field label="Aggregation" description="When the range has more points than the panel shows">
          <RadioButtonGroup
            options={AGGREGATIONS}
            value={query.aggregation}
            onChange={(aggregation) => onChange({ aggregation }, true)}
          />
        </Field>
      )}
    </>
  );
}
