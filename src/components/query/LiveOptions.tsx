import React, { ChangeEvent } from 'react';
import { Field, InlineSwitch, Input } from '@grafana/ui';

import { fieldIssue, QueryPartProps } from './queryPart';

/** Whether a metrics query streams its newest samples, and how often. */
export function LiveOptions({ query, issues, onChange, onBlur }: QueryPartProps) {
  return (
    <>
      <Field label="Live" description="Stream the newest sample every interval">
        <InlineSwitch
          aria-label="Live"
          value={query.live}
          onChange={(event: React.SyntheticEvent<HTMLInputElement>) =>
            onChange({ live: event.currentTarget.checked }, true)
          }
        />
      </Field>
      {query.live && (
        <Field
          label="Live interval (ms)"
          description="0 = the data source's default"
          {...fieldIssue(issues, 'liveIntervalMs')}
        >
          <Input
            aria-label="Live interval"
            type="number"
            width={12}
            value={query.liveIntervalMs}
            onChange={(event: ChangeEvent<HTMLInputElement>) =>
              onChange({ liveIntervalMs: event.target.value === '' ? 0 : Number(event.target.value) }, false)
            }
            onBlur={onBlur}
          />
        </Field>
      )}
    </>
  );
}
