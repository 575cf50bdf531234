import React, { ChangeEvent } from 'react';
import { SelectableValue } from '@grafana/data';
import { Field, Input, MultiSelect, RadioButtonGroup } from '@grafana/ui';

import { VmMode } from '../../types';
import { Choices } from '../useChoices';
import { HostField } from './HostField';
import { fieldIssue, QueryPartProps } from './queryPart';

const VM_MODES: Array<SelectableValue<VmMode>> = [
  { label: 'All VMs', value: 'all' },
  { label: 'List', value: 'list' },
  { label: 'Regex', value: 'regex' },
];

type Props = QueryPartProps & { choices: Choices };

/** Which VMs a metrics query reads: all, a list (of names or variables) or a regex, optionally of one host. */
export function VmSelector({ query, issues, onChange, onBlur, choices }: Props) {
  return (
    <>
      <Field label="VMs">
        <RadioButtonGroup options={VM_MODES} value={query.vmMode} onChange={(vmMode) => onChange({ vmMode }, true)} />
      </Field>
      {query.vmMode === 'list' && (
        <Field
          label="VM names"
          description={choices.vmsError ? `Could not list VMs: ${choices.vmsError}` : undefined}
          {...fieldIssue(issues, 'vms')}
        >
          <MultiSelect
            aria-label="VM names"
            inputId="query-vms"
            options={choices.vms}
            value={query.vms}
            isLoading={choices.loading}
            allowCustomValue
            placeholder="Pick VMs or a $variable"
            onChange={(selected: Array<SelectableValue<string>>) =>
              onChange({ vms: selected.map((s) => s.value!).filter(Boolean) }, true)
            }
          />
        </Field>
      )}
      {query.vmMode === 'regex' && (
        <Field
          label="VM regex"
          description="RE2, matched against the vm tag; $variables are regex-escaped"
          {...fieldIssue(issues, 'vmRegex')}
        >
          <Input
            aria-label="VM regex"
            value={query.vmRegex}
            placeholder="^web-.*$"
            onChange={(event: ChangeEvent<HTMLInputElement>) => onChange({ vmRegex: event.target.value }, false)}
            onBlur={onBlur}
          />
        </Field>
      )}
      <HostField query={query} issues={issues} onChange={onChange} onBlur={onBlur} />
    </>
  );
}
