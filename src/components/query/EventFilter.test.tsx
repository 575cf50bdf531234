import { setTemplateSrv } from '@grafana/runtime';
import { act, render, screen } from '@testing-library/react';
import React from 'react';

import { datasourceWithResources, renderQueryEditor, userEvent } from '../../testing/queryEditor';
import { fakeTemplateSrv } from '../../testing/templateSrv';
import { QueryEditorHelp } from '../QueryEditorHelp';

beforeEach(() => {
  setTemplateSrv(fakeTemplateSrv({}));
});

describe('events queries, alias and help', () => {
  it('an events query keeps the VM selection and adds the event filter, without metrics or outputs', async () => {
    const { ds } = datasourceWithResources();
    const { last } = await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1 });
    await act(async () => {
      await userEvent.click(screen.getByLabelText('Events'));
    });
    expect(last()).toMatchObject({ queryType: 'events' });
    expect(screen.queryByLabelText('Metric names')).not.toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: 'Alias' })).not.toBeInTheDocument();
    expect(screen.getByText('Lifecycle events to show; none picked: all of them.')).toBeInTheDocument();
  });

  it('the alias of a metrics query is written into the query', async () => {
    const { ds } = datasourceWithResources();
    const { last } = await renderQueryEditor(ds, { refId: 'A', schemaVersion: 1 });
    await userEvent.type(screen.getByRole('textbox', { name: 'Alias' }), '{{{{vm}} {{{{field}}');
    expect(last()).toMatchObject({ alias: '{{vm}} {{field}}' });
  });

  it('the help page explains alias patterns and events', () => {
    render(
      <QueryEditorHelp query={{ refId: 'A' } as never} onClickExample={() => {}} datasource={undefined as never} />
    );
    expect(screen.getByText('Events (annotations)')).toBeInTheDocument();
    expect(screen.getByText('{{vm}} on {{host}}: {{field}}')).toBeInTheDocument();
  });
});
