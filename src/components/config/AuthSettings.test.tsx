import { screen } from '@testing-library/react';

import { renderSettingsEditor, settings, userEvent } from '../../testing/settingsEditor';
import { AuthSettings } from './AuthSettings';

describe('AuthSettings', () => {
  it('shows a saved token as configured, never its value, and resets it', async () => {
    const { last } = renderSettingsEditor(
      AuthSettings,
      settings({ jsonData: { authType: 'token' }, secureJsonFields: { token: true } })
    );
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
    const { last } = renderSettingsEditor(
      AuthSettings,
      settings({ jsonData: { authType: 'basic', username: 'reader' } })
    );
    const password = screen.getByPlaceholderText('Password') as HTMLInputElement;
    expect(password.type).toBe('password');
    await userEvent.type(password, 'pw!');
    expect(last().secureJsonData?.password).toBe('pw!');
    expect(JSON.stringify(last().jsonData)).not.toContain('pw!');
  });

  it('switches auth type and shows only the fields of that type', async () => {
    const { last } = renderSettingsEditor(AuthSettings, settings({ jsonData: {} }));
    expect(screen.queryByPlaceholderText('API token')).not.toBeInTheDocument();
    expect(screen.queryByPlaceholderText('Password')).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Token (InfluxDB 2.x/3.x)'));
    expect(last().jsonData.authType).toBe('token');
    expect(screen.getByPlaceholderText('API token')).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('User and password (1.x)'));
    expect(last().jsonData.authType).toBe('basic');
    expect(screen.getByPlaceholderText('Password')).toBeInTheDocument();
  });
});
