import React, { ChangeEvent } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { Field, Input, RadioButtonGroup, Stack } from '@grafana/ui';

import { VariableName, VmDataSourceApi, VmDataSourceOptions, VmQuery, VmVariableQuery } from '../types';

type Props = QueryEditorProps<VmDataSourceApi, VmQuery, VmDataSourceOptions, VmVariableQuery>;

const VARIABLES: Array<SelectableValue<VariableName>> = [
  { label: 'VM names', value: 'vm' },
  { label: 'Hosts', value: 'host' },
];

/** Editor of a template variable's query: the list of VMs or of hosts, optionally of one host. */
export function VariableQueryEditor({ query, onChange }: Props) {
  const variable = query.variable ?? 'vm';
  return (
    <Stack direction="column" gap={1}>
      <Field label="Values">
        <RadioButtonGroup
          options={VARIABLES}
          value={variable}
          onChange={(value) => onChange({ ...query, variable: value })}
        />
      </Field>
      <Field label="Host filter" description="Optional; may be a $variable">
        <Input
          aria-label="Host filter"
          width={30}
          value={query.host ?? ''}
          onChange={(event: ChangeEvent<HTMLInputElement>) =>
            onChange({ ...query, variable, host: event.target.value })
          }
        />
      </Field>
    </Stack>
  );
}
