import { ChangeEvent } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';

import { VmDataSourceOptions, VmSecureJsonData } from '../../types';

/** What ConfigEditor and each of its parts get from Grafana. */
export type SettingsProps = DataSourcePluginOptionsEditorProps<VmDataSourceOptions, VmSecureJsonData>;

type SecureKey = keyof VmSecureJsonData;

/** Width of the text inputs of the settings page. */
export const INPUT_WIDTH = 40;

/**
 * The change handlers the settings fields share. Secrets are write-only:
 * resetting one clears its `secureJsonFields` flag so that a new value can be typed.
 */
export function settingsChanges({ options, onOptionsChange }: SettingsProps) {
  const { jsonData } = options;
  const secureJsonFields = options.secureJsonFields ?? {};
  const secureJsonData = options.secureJsonData ?? {};

  const setJsonData = (patch: Partial<VmDataSourceOptions>) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...patch } });

  return {
    setJsonData,
    onText: (key: keyof VmDataSourceOptions) => (event: ChangeEvent<HTMLInputElement>) =>
      setJsonData({ [key]: event.target.value }),
    onNumber: (key: keyof VmDataSourceOptions) => (event: ChangeEvent<HTMLInputElement>) =>
      setJsonData({ [key]: event.target.value === '' ? undefined : Number(event.target.value) }),
    onSecret: (key: SecureKey) => (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [key]: event.target.value } }),
    onResetSecret: (key: SecureKey) => () =>
      onOptionsChange({
        ...options,
        secureJsonFields: { ...secureJsonFields, [key]: false },
        secureJsonData: { ...secureJsonData, [key]: '' },
      }),
  };
}
