import { screen } from '@testing-library/react';

import { renderSettingsEditor, settings, userEvent } from '../../testing/settingsEditor';
import { ConnectionSettings } from './ConnectionSettings';

describe('ConnectionSettings', () => {
  it('keeps a saved CA certificate hidden and resettable', async () => {
    const { last } = renderSettingsEditor(
      ConnectionSettings,
      settings({ jsonData: { tlsWithCACert: true }, secureJsonFields: { tlsCACert: true } })
    );
    const ca = screen.getByPlaceholderText('-----BEGIN CERTIFICATE-----') as HTMLTextAreaElement;
    expect(ca.value).not.toContain('BEGIN');
    await userEvent.click(screen.getByRole('button', { name: /reset/i }));
    expect(last().secureJsonFields.tlsCACert).toBe(false);
  });

  it('turns TLS skip verify on and sets the timeout, empty meaning the default', async () => {
    const { last } = renderSettingsEditor(ConnectionSettings, settings({}));
    await userEvent.click(document.getElementById('config-tls-skip-verify')!);
    expect(last().jsonData.tlsSkipVerify).toBe(true);
    const timeout = document.getElementById('config-timeout')!;
    await userEvent.type(timeout, '5');
    expect(last().jsonData.timeoutSeconds).toBe(5);
    await userEvent.clear(timeout);
    expect(last().jsonData.timeoutSeconds).toBeUndefined();
  });
});
