import React from 'react';
import { SelectableValue } from '@grafana/data';
import { Field, MultiSelect } from '@grafana/ui';

import { Choices } from '../useChoices';
import { fieldIssue, QueryPartProps } from './queryPart';

/** emptyMeans says which metrics the backend reads when none is picked. */
type Props = QueryPartProps & { choices: Choices; emptyMeans: string };

/** The metrics of a metrics or devices query, from the backend's list (or the built-in one when it fails). */
export function MetricPicker({ query, issues, onChange, choices, emptyMeans }: Props) {
  const options = choices.metrics.map((m) => ({ label: m.name, value: m.name, description: m.unit || m.kind }));
  return (
    <Field
      label="Metrics"
      description={
        choices.metricsError
          ? `Metrics resource unavailable (${choices.metricsError}); built-in list shown`
          : `Empty: ${emptyMeans}`
      }
      {...fieldIssue(issues, 'metrics')}
    >
      <MultiSelect
        aria-label="Metric names"
        inputId="query-metrics"
        options={options}
        value={query.metrics}
        allowCustomValue
        onChange={(selected: Array<SelectableValue<string>>) =>
          onChange({ metrics: selected.map((s) => s.value!).filter(Boolean) }, true)
        }
      />
    </Field>
  );
}
