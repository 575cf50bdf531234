import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEventLibrary from '@testing-library/user-event';

import { DataSource } from '../datasource';
import { instanceSettings } from '../testing/instanceSettings';
import { VmVariableQuery } from '../types';
import { VariableQueryEditor } from './VariableQueryEditor';

// No delay between keystrokes: the tests check results, not typing speed.
const userEvent = userEventLibrary.setup({ delay: null });

function renderEditor(initial: VmVariableQuery) {
  const changes: VmVariableQuery[] = [];
  function Host() {
    const [query, setQuery] = useState(initial);
    return (
      <VariableQueryEditor
        datasource={new DataSource(instanceSettings())}
        query={query}
        onRunQuery={() => {}}
        onChange={(next) => {
          changes.push(next);
          setQuery(next);
        }}
      />
    );
  }
  render(<Host />);
  return () => changes[changes.length - 1];
}

describe('VariableQueryEditor', () => {
  it('chooses hosts or VM names and a host filter', async () => {
    const last = renderEditor({ refId: 'V', variable: 'vm' });
    await userEvent.click(screen.getByLabelText('Hosts'));
    expect(last()).toMatchObject({ variable: 'host' });
    await userEvent.click(screen.getByLabelText('VM names'));
    await userEvent.type(screen.getByLabelText('Host filter'), '$host');
    expect(last()).toMatchObject({ variable: 'vm', host: '$host' });
  });
});
