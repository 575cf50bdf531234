import React, { ChangeEvent } from 'react';
import { Field, InlineField, Input, Stack } from '@grafana/ui';

import { MetricInfo } from '../../types';
import { fieldIssue, QueryPartProps } from './queryPart';

type Props = QueryPartProps & { knownMetrics: MetricInfo[] };

/** One rate scale input per selected metric; empty means the metric's default scale. */
export function RateScalesField({ query, issues, onChange, onBlur, knownMetrics }: Props) {
  const { rateScales } = query;
  return (
    <Field
      label="Rate scale per metric"
      description="The rate formula divides by this first; empty = the metric's default"
      {...fieldIssue(issues, 'rateScales')}
    >
      {/* In a fragment: Field hands its only child `invalid`, which a Stack would write into the DOM. */}
      <>
        <Stack direction="row" wrap="wrap" gap={0}>
          {query.metrics.map((metric) => (
            <InlineField key={metric} label={metric} labelWidth={26}>
              <Input
                aria-label={`Rate scale of ${metric}`}
                type="number"
                width={14}
                value={rateScales[metric] ?? ''}
                placeholder={String(knownMetrics.find((m) => m.name === metric)?.defaultScale ?? 1)}
                onChange={(event: ChangeEvent<HTMLInputElement>) => {
                  const { [metric]: _, ...others } = rateScales;
                  const text = event.target.value;
                  onChange({ rateScales: text === '' ? others : { ...others, [metric]: Number(text) } }, false);
                }}
                onBlur={onBlur}
              />
            </InlineField>
          ))}
        </Stack>
      </>
    </Field>
  );
}
