import React, { ChangeEvent } from 'react';
import { Field, Input } from '@grafana/ui';

import { QueryPartProps } from './queryPart';

/** The optional host filter of a query: only the VMs of this host. */
export function HostField({ query, onChange, onBlur }: QueryPartProps) {
  return (
    <Field label="Host" description="Optional: only VMs of this host">
      <Input
        aria-label="Host"
        width={30}
        value={query.host}
        onChange={(event: ChangeEvent<HTMLInputElement>) => onChange({ host: event.target.value }, false)}
        onBlur={onBlur}
      />
    </Field>
  );
}
