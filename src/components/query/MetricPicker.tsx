import React from 'react';
import { SelectableValue } from '@grafana/data';
import { Field, MultiSelect } from '@grafana/ui';

import { Choices } from '../useChoices';
import { fieldIssue, QueryPartProps } from './queryPart';

type Props = QueryPartProps & { choices: Choices };

/** The metrics of a metrics query, from the backend's list (or the built-in one when it fails). */
export function MetricPicker({ query, issues, onChange, choices }: Props) {
  const options = choices.metrics.map((m) => ({ label: m.name, value: m.name, description: m.unit || m.kind }));
  return (
    <Field
      label="Metrics"
      description={
        choices.metricsError
          ? `Metrics resource unavailable (${choices.metricsError}); built-in list shown`
          : 'Empty: the eight usage metrics'
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
