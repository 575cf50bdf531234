import React, { useState } from 'react';
import { DataSourceSettings } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import userEventLibrary from '@testing-library/user-event';

import { VmDataSourceOptions, VmSecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';

// No delay between keystrokes: the tests check results, not typing speed.
const userEvent = userEventLibrary.setup({ delay: null });

type Settings = DataSourceSettings<VmDataSourceOptions, VmSecureJsonData>;

function settings(patch: Partial<Settings>): Settings {
  return {
    id: 1,
    uid: 'vmt-test',
    orgId: 1,
    name: 'VM Telemetry',
    type: 'vmtelemetry-libvirt-datasource',
    typeName: 'VM Telemetry',
    typeLogoUrl: '',
    access: 'proxy',
    url: 'http://127.0.0.1:8086',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    jsonData: {},
    secureJsonFields: {},
    ...patch,
  };
}

/** Renders the editor as Grafana does: it keeps the settings and passes each change back in. */
function renderEditor(initial: Settings) {
  const changes: Settings[] = [];
  function Host() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          changes.push(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Host />);
  return { changes, last: () => changes[changes.length - 1] };
}

describe('ConfigEditor', () => {
  it('shows a saved token as configured, never its value, and resets it', async () => {
    const { last } = renderEditor(settings({ jsonData: { authType: 'token' }, secureJsonFields: { token: true } }));
    const token = screen.getByPlaceholderText('API token') as HTMLInputElement;
    expect(token).toBeDisabled();
    expect(token.value).toBe('configured');

    await userEvent.click(screen.getByRole('button', { name: /reset/i }));
    expect(last().secureJsonFields.token).toBe(false);
    expect(last().secureJsonData?.token).toBe('');
    const emptied = screen.getByPlaceholderText('API token') as HTMLInputElement;
    expect(emptied).toBeEnabled();
    expect(emptied.value).toBe('');
    expect(emptied.type).toBe('password');
    await userEvent.type(emptied, 'new-token');
    expect(last().secureJsonData?.token).toBe('new-token');
    expect(JSON.stringify(last().jsonData)).not.toContain('new-token');
  });

  it('writes a new password into secureJsonData only, as a password field', async () => {
    const { last } = renderEditor(settings({ jsonData: { authType: 'basic', username: 'reader' } }));
    const password = screen.getByPlaceholderText('Password') as HTMLInputElement;
    expect(password.type).toBe('password');
    await userEvent.type(password, 'pw!');
    expect(last().secureJsonData?.password).toBe('pw!');
    expect(JSON.stringify(last().jsonData)).not.toContain('pw!');
  });

  it('switches auth type and shows only the fields of that type', async () => {
    const { last } = renderEditor(settings({ jsonData: {} }));
    expect(screen.queryByPlaceholderText('API token')).not.toBeInTheDocument();
    expect(screen.queryByPlaceholderText('Password')).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Token (InfluxDB 2.x/3.x)'));
    expect(last().jsonData.authType).toBe('token');
    expect(screen.getByPlaceholderText('API token')).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('User and password (1.x)'));
    expect(last().jsonData.authType).toBe('basic');
    expect(screen.getByPlaceholderText('Password')).toBeInTheDocument();
  });

  it('keeps a saved CA certificate hidden and resettable', async () => {
    const { last } = renderEditor(
      settings({ jsonData: { tlsWithCACert: true }, secureJsonFields: { tlsCACert: true } })
    );
    const ca = screen.getByPlaceholderText('-----BEGIN CERTIFICATE-----') as HTMLTextAreaElement;
    expect(ca.value).not.toContain('BEGIN');
    await userEvent.click(screen.getByRole('button', { name: /reset/i }));
    expect(last().secureJsonFields.tlsCACert).toBe(false);
  });

  it('edits URL, database, measurement, timeout, stream interval and Flux settings', async () => {
    const { last } = renderEditor(settings({ url: '' }));
    await userEvent.type(screen.getByPlaceholderText('http://localhost:8086'), 'http://influx:8086');
    await userEvent.type(document.getElementById('config-database')!, 'vm_telemetry');
    await userEvent.type(document.getElementById('config-measurement')!, 'vm_stats');
    await userEvent.type(document.getElementById('config-timeout')!, '5');
    await userEvent.type(document.getElementById('config-stream-interval')!, '500');
    await userEvent.click(screen.getByLabelText('Flux'));
    await userEvent.type(document.getElementById('config-organization')!, 'acme');
    await userEvent.type(document.getElementById('config-bucket')!, 'vms');
    expect(last()).toMatchObject({
      url: 'http://influx:8086',
      jsonData: {
        database: 'vm_telemetry',
        measurement: 'vm_stats',
        timeoutSeconds: 5,
        streamIntervalMs: 500,
        queryLanguage: 'flux',
        organization: 'acme',
        bucket: 'vms',
      },
    });
  });

  it('turns TLS skip verify on', async () => {
    const { last } = renderEditor(settings({}));
    await userEvent.click(document.getElementById('config-tls-skip-verify')!);
    expect(last().jsonData.tlsSkipVerify).toBe(true);
  });
});
