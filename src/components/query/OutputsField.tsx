import React from 'react';
import { Checkbox, Field, Stack } from '@grafana/ui';

import { Output } from '../../types';
import { fieldIssue, QueryPartProps } from './queryPart';

const OUTPUTS: Array<{ value: Output; label: string }> = [
  { value: 'value', label: 'Value' },
  { value: 'rate', label: 'Rate (degrees)' },
  { value: 'per_second', label: 'Per second (byte counters)' },
  { value: 'age', label: 'Age (s since the sample, e.g. for staleness)' },
];

/** The outputs of each metric, kept in the fixed order of OUTPUTS whatever the order of clicks. */
export function OutputsField({ query, issues, onChange }: QueryPartProps) {
  const { outputs } = query;
  return (
    <Field label="Outputs" {...fieldIssue(issues, 'outputs')}>
      {/* In a fragment: Field hands its only child `invalid`, which a Stack would write into the DOM. */}
      <>
        <Stack direction="row" gap={2}>
          {OUTPUTS.map((output) => (
            <Checkbox
              key={output.value}
              label={output.label}
              value={outputs.includes(output.value)}
              onChange={(event: React.SyntheticEvent<HTMLInputElement>) =>
                onChange(
                  {
                    outputs: event.currentTarget.checked
                      ? OUTPUTS.map((o) => o.value).filter((o) => o === output.value || outputs.includes(o))
                      : outputs.filter((o) => o !== output.value),
                  },
                  true
                )
              }
            />
          ))}
        </Stack>
      </>
    </Field>
  );
}
