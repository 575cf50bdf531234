import React, { ChangeEvent, useState } from 'react';
import { Field, Input, RadioButtonGroup, Stack } from '@grafana/ui';

import { fieldIssue, QueryPartProps } from './queryPart';

const CUSTOM = -1;

/** The windows offered by name; 0 compares adjacent samples (1 s apart at the exporter's default). */
const PRESETS = [
  { label: '1 s', value: 0 },
  { label: '10 s', value: 10 },
  { label: '30 s', value: 30 },
  { label: '1 m', value: 60 },
  { label: '5 m', value: 300 },
];

/**
 * The largest angle a percentage can reach over a window of W seconds:
 * 100 points in W seconds, atan(100/W) (docs/CONTRACT.md, "Windowed rates").
 * W = 0 means adjacent samples, 1 s apart by default.
 */
export function maxPercentAngle(windowSeconds: number): number {
  const seconds = windowSeconds > 0 ? windowSeconds : 1;
  return (Math.atan(100 / seconds) * 180) / Math.PI;
}

/** "Rate over": the rate window of the query, with the steepest angle a percentage can reach over it. */
export function RateWindowField({ query, issues, onChange, onBlur }: QueryPartProps) {
  const window = query.rateWindowSeconds;
  const preset = PRESETS.some((p) => p.value === window);
  const [custom, setCustom] = useState(!preset);
  const selected = custom ? CUSTOM : window;
  return (
    <Field
      label="Rate over"
      description={`A percentage can reach at most ${maxPercentAngle(window).toFixed(1)}° over this window (atan(100/W)); longer windows smooth the 1-s noise`}
      {...fieldIssue(issues, 'rateWindowSeconds')}
    >
      {/* In a fragment: Field hands its only child `invalid`, which a Stack would write into the DOM. */}
      <>
        <Stack direction="row" gap={1} alignItems="center">
          <RadioButtonGroup
            aria-label="Rate over"
            options={[...PRESETS, { label: 'custom', value: CUSTOM }]}
            value={selected}
            onChange={(value) => {
              setCustom(value === CUSTOM);
              if (value !== CUSTOM) {
                onChange({ rateWindowSeconds: value }, true);
              }
            }}
          />
          {custom && (
            <Input
              aria-label="Rate window in seconds"
              type="number"
              width={12}
              suffix="s"
              value={window}
              onChange={(event: ChangeEvent<HTMLInputElement>) =>
                onChange({ rateWindowSeconds: event.target.value === '' ? 0 : Number(event.target.value) }, false)
              }
              onBlur={onBlur}
            />
          )}
        </Stack>
      </>
    </Field>
  );
}
