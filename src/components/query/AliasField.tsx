import React, { ChangeEvent } from 'react';
import { Field, Input } from '@grafana/ui';

import { QueryPartProps } from './queryPart';

/** The legend pattern of each series. */
export function AliasField({ query, onChange, onBlur }: QueryPartProps) {
  return (
    <Field
      label="Alias"
      description="Series name: {{vm}}, {{host}}, {{uuid}}, {{field}} are replaced. Empty: the field name."
    >
      <Input
        aria-label="Alias"
        value={query.alias ?? ''}
        placeholder="{{vm}} {{field}}"
        onChange={(event: ChangeEvent<HTMLInputElement>) => onChange({ alias: event.target.value }, false)}
        onBlur={onBlur}
      />
    </Field>
  );
}
