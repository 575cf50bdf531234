import React from 'react';
import { Field, MultiSelect } from '@grafana/ui';

import { EVENT_NAMES } from '../../types';
import { QueryPartProps } from './queryPart';

const OPTIONS = EVENT_NAMES.map((name) => ({ label: name, value: name }));

/** Which lifecycle events an events query (annotations) keeps. */
export function EventFilter({ query, onChange }: QueryPartProps) {
  return (
    <Field label="Events" description="Lifecycle events to show; none picked: all of them.">
      <MultiSelect
        aria-label="Events"
        options={OPTIONS}
        value={query.events ?? []}
        onChange={(picked) => onChange({ events: picked.map((p) => p.value!) }, true)}
      />
    </Field>
  );
}
