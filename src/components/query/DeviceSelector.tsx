import React from 'react';
import { SelectableValue } from '@grafana/data';
import { Field, MultiSelect, RadioButtonGroup } from '@grafana/ui';

import { DEVICE_KINDS } from '../../metrics';
import { DeviceKind } from '../../types';
import { QueryPartProps } from './queryPart';

const KINDS: Array<SelectableValue<DeviceKind>> = (Object.keys(DEVICE_KINDS) as DeviceKind[]).map((kind) => ({
  label: DEVICE_KINDS[kind].label,
  value: kind,
}));

/**
 * Which per-device measurement a devices query reads (disks or interfaces) and
 * which devices of it, by name as libvirt gives them (vda, vnet0) or a variable.
 * Changing the kind starts its metrics from that kind's defaults.
 */
export function DeviceSelector({ query, onChange }: QueryPartProps) {
  const kind = query.deviceKind ?? 'disk';
  const devices = query.devices ?? [];
  return (
    <>
      <Field label="Devices of">
        <RadioButtonGroup
          options={KINDS}
          value={kind}
          onChange={(deviceKind) =>
            onChange({ deviceKind, devices: [], metrics: [...DEVICE_KINDS[deviceKind].defaultMetrics] }, true)
          }
        />
      </Field>
      <Field
        label={kind === 'disk' ? 'Disk names' : 'Interface names'}
        description="Type a name (vda, vnet0, ...) or a variable and press Enter; none: every device"
      >
        <MultiSelect
          aria-label="Device names"
          options={devices.map((name) => ({ label: name, value: name }))}
          value={devices}
          allowCustomValue
          onChange={(picked: Array<SelectableValue<string>>) =>
            onChange({ devices: picked.map((p) => p.value!).filter(Boolean) }, true)
          }
        />
      </Field>
    </>
  );
}
