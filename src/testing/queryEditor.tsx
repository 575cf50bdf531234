import React, { useState } from 'react';
import { act, render } from '@testing-library/react';
import userEventLibrary from '@testing-library/user-event';

import { QueryEditor } from '../components/QueryEditor';
import { DataSource } from '../datasource';
import { STATIC_METRICS } from '../metrics';
import { VmQuery } from '../types';
import { instanceSettings } from './instanceSettings';

// No delay between keystrokes: the tests check results, not typing speed.
export const userEvent = userEventLibrary.setup({ delay: null });

export const VMS = [
  { name: 'one-71', host: 'kvm1', uuid: 'uuid-71', ref: 'kvm1/one-71', lastSeen: '2026-12-01T00:00:00Z' },
  { name: 'one-72', host: 'kvm1', uuid: 'uuid-72', ref: 'kvm1/one-72', lastSeen: '2026-12-01T00:00:00Z' },
];

/** A data source whose `vms` and `metrics` resources give these answers (by default VMS and the built-in metrics), or fail. */
export function datasourceWithResources(
  answers: { vms?: unknown; metrics?: unknown; fail?: string } = {
    vms: { vms: VMS },
    metrics: { metrics: STATIC_METRICS },
  }
) {
  const ds = new DataSource(instanceSettings());
  const getResource = jest.spyOn(ds, 'getResource').mockImplementation(async (path: string) => {
    if (answers.fail) {
      throw { status: 502, data: { message: answers.fail } };
    }
    if (path === 'vms') {
      return answers.vms;
    }
    if (path === 'metrics') {
      return answers.metrics;
    }
    throw new Error(`unexpected resource ${path}`);
  });
  return { ds, getResource };
}

/** Renders the QueryEditor as a panel does: it keeps the query and passes each change back in. */
export async function renderQueryEditor(ds: DataSource, initial: Partial<VmQuery> & Record<string, unknown>) {
  const changes: VmQuery[] = [];
  const onRunQuery = jest.fn();
  function Host() {
    const [query, setQuery] = useState(initial as VmQuery);
    return (
      <QueryEditor
        datasource={ds}
        query={query}
        onRunQuery={onRunQuery}
        onChange={(next) => {
          changes.push(next);
          setQuery(next);
        }}
      />
    );
  }
  render(<Host />);
  // Let the resource answers arrive, as they would before a user acts.
  await act(async () => {});
  return { changes, onRunQuery, last: () => changes[changes.length - 1] };
}
