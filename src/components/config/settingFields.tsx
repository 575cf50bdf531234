import React from 'react';
import { Field, Input, SecretInput } from '@grafana/ui';

import { VmDataSourceOptions, VmSecureJsonData } from '../../types';
import { INPUT_WIDTH, settingsChanges, SettingsProps } from './settingsPart';

/** The settings of jsonData that hold text, or a number. */
type KeysOf<T> = {
  [K in keyof VmDataSourceOptions]-?: VmDataSourceOptions[K] extends T | undefined ? K : never;
}[keyof VmDataSourceOptions];

interface RowProps extends SettingsProps {
  /** The input's id, `config-<name>` (tests and the browser harness find fields by it). */
  id: string;
  label: string;
  description?: string;
  placeholder?: string;
}

/** A text setting of jsonData in a labelled row. */
export function TextSetting({
  setting,
  id,
  label,
  description,
  placeholder,
  ...props
}: RowProps & { setting: KeysOf<string> }) {
  const { onText } = settingsChanges(props);
  return (
    <Field label={label} description={description}>
      <Input
        id={id}
        width={INPUT_WIDTH}
        value={(props.options.jsonData[setting] as string | undefined) ?? ''}
        placeholder={placeholder}
        onChange={onText(setting)}
      />
    </Field>
  );
}

/** A number setting of jsonData (empty: the backend's default, which the placeholder shows). */
export function NumberSetting({
  setting,
  min,
  id,
  label,
  description,
  placeholder,
  ...props
}: RowProps & { setting: KeysOf<number>; min: number }) {
  const { onNumber } = settingsChanges(props);
  return (
    <Field label={label} description={description}>
      <Input
        id={id}
        type="number"
        min={min}
        width={20}
        value={props.options.jsonData[setting] ?? ''}
        placeholder={placeholder}
        onChange={onNumber(setting)}
      />
    </Field>
  );
}

/** A secret of secureJsonData: write-only, shown as configured once saved. */
export function SecretSetting({
  secret,
  id,
  label,
  description,
  placeholder,
  ...props
}: RowProps & { secret: keyof VmSecureJsonData }) {
  const { onSecret, onResetSecret } = settingsChanges(props);
  return (
    <Field label={label} description={description}>
      <SecretInput
        id={id}
        width={INPUT_WIDTH}
        isConfigured={Boolean(props.options.secureJsonFields?.[secret])}
        value={props.options.secureJsonData?.[secret] ?? ''}
        placeholder={placeholder}
        onChange={onSecret(secret)}
        onReset={onResetSecret(secret)}
      />
    </Field>
  );
}
