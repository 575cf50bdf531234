// The dashboard's gauge panels as Grafana draws them, from the answers the
// running backend gave the end-to-end test (panels.json, written by the Go
// test in Grafana's /api/ds/query JSON): frames decoded by @grafana/data's
// dataFrameFromJSON, the panel's fieldConfig applied by applyFieldOverrides
// with Grafana's standard option processors, values reduced and formatted
// by getFieldDisplayValues (the display processor), each value drawn by
// @grafana/ui's BarGauge. What was drawn is kept in window.gauges for run.mjs.
//
// Why BarGauge and not the gauge panel's dial: the published @grafana/ui
// 13.2.2 ships no dial component (its RadialGauge is internal and not in
// dist/), and @grafana/ui 12's Gauge draws through Grafana's vendored
// jquery.flot.gauge.js, which no registry carries. BarGauge is Grafana's own
// component of the same release, fed the same FieldDisplay values.
import {
  applyFieldOverrides,
  createTheme,
  type DataFrame,
  type FieldDisplay,
  FieldType,
  formattedValueToString,
  getFieldDisplayValues,
  type ReduceDataOptions,
  VizOrientation,
} from '@grafana/data';
import { BarGauge, Sparkline } from '@grafana/ui';
import { BarGaugeDisplayMode } from '@grafana/schema';
import { createRoot } from 'react-dom/client';

import { standardOptions } from './fieldOptions';
import { answerFrames, loadPanelAnswers, type PanelAnswer } from './panelAnswers';

type PanelEntry = PanelAnswer<{ reduceOptions: ReduceDataOptions; showThresholdLabels?: boolean; showThresholdMarkers?: boolean }>;

interface DrawnGauge {
  panel: string;
  vm: string;
  field: string;
  displayName: string;
  text: string;
  unit?: string;
  decimals?: number;
  /** The last non-null value of the field as the backend sent it. */
  raw: number | null;
}

/** A history (timeseries) panel of the VM's row: its series drawn as sparklines. */
interface DrawnHistory {
  panel: string;
  series: number;
}

declare global {
  interface Window {
    gauges: { drawn: DrawnGauge[]; history: DrawnHistory[]; error?: string; done?: boolean };
  }
}

window.gauges = { drawn: [], history: [] };
const theme = createTheme({ colors: { mode: 'dark' } });

const registry = standardOptions();

function lastValue(frames: DataFrame[], name: string): number | null {
  for (const frame of frames) {
    const field = frame.fields.find((f) => f.name === name);
    if (!field) {
      continue;
    }
    for (let i = field.values.length - 1; i >= 0; i--) {
      const v = field.values[i];
      if (v !== null && v !== undefined && !Number.isNaN(v)) {
        return v;
      }
    }
  }
  return null;
}

function GaugePanel({ entry, displays, frames }: { entry: PanelEntry; displays: FieldDisplay[]; frames: DataFrame[] }) {
  return (
    <div className="panel" data-panel={entry.id} style={{ width: 300, margin: 8, background: '#181b1f', padding: 8 }}>
      <div className="panel-title" style={{ color: '#ccccdc', fontSize: 14, marginBottom: 4 }}>
        {entry.title} · {entry.vm}
      </div>
      {displays.map((d, i) => {
        const text = formattedValueToString(d.display);
        window.gauges.drawn.push({
          panel: entry.title,
          vm: entry.vm,
          field: d.field.displayNameFromDS ?? d.name,
          displayName: d.display.title ?? d.name,
          text,
          unit: d.field.unit,
          decimals: d.field.decimals ?? undefined,
          raw: lastValue(frames, d.view?.dataFrame.fields[d.colIndex ?? 0]?.name ?? ''),
        });
        return (
          <div key={i} className="gauge" data-text={text}>
            <BarGauge
              // The panel's header and the line below name the value: a title
              // inside the gauge would be drawn over its bar.
              value={{ ...d.display, title: undefined }}
              field={d.field}
              display={d.view?.getFieldDisplayProcessor(d.colIndex ?? 0)}
              width={280}
              height={120}
              orientation={VizOrientation.Vertical}
              displayMode={BarGaugeDisplayMode.Gradient}
              showUnfilled={true}
              theme={theme}
            />
            <div className="gauge-text" style={{ color: '#ccccdc', textAlign: 'center' }}>
              {d.display.title}: {text}
            </div>
          </div>
        );
      })}
    </div>
  );
}

/**
 * A timeseries panel of the row: each numeric field over the range as
 * @grafana/ui's Sparkline, with its name and last value formatted by the
 * panel's fieldConfig (the time series panel itself is in Grafana's core,
 * not in @grafana/ui).
 */
function HistoryPanel({ entry }: { entry: PanelEntry }) {
  const processed = applyFieldOverrides({
    data: answerFrames(entry),
    fieldConfig: entry.fieldConfig,
    fieldConfigRegistry: registry,
    replaceVariables: (s: string) => s,
    theme,
    timeZone: 'utc',
  });
  const rows = processed.flatMap((frame) => {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    return frame.fields
      .filter((f) => f.type === FieldType.number)
      .map((field) => ({ frame, time, field }));
  });
  window.gauges.history.push({ panel: entry.title, series: rows.length });
  return (
    <div className="history" data-panel={entry.id} style={{ width: 470, margin: 8, background: '#181b1f', padding: 8 }}>
      <div className="panel-title" style={{ color: '#ccccdc', fontSize: 14, marginBottom: 4 }}>
        {entry.title} · {entry.vm}
      </div>
      {rows.map(({ frame, time, field }, i) => {
        const values = field.values.filter((v) => v !== null && v !== undefined);
        const last = values.length > 0 ? values[values.length - 1] : null;
        const text = last === null || !field.display ? 'no value' : formattedValueToString(field.display(last));
        return (
          <div key={i} style={{ display: 'flex', alignItems: 'center', color: '#ccccdc', fontSize: 12 }}>
            <div style={{ width: 170 }}>{field.config.displayName ?? field.state?.displayName ?? field.name}</div>
            <Sparkline width={200} height={36} theme={theme} config={field.config} sparkline={{ y: field, x: time }} />
            <div style={{ width: 80, textAlign: 'right' }}>{text}</div>
          </div>
        );
      })}
    </div>
  );
}

async function main() {
  const entries = await loadPanelAnswers<PanelEntry['options']>();
  const vm = new URLSearchParams(window.location.search).get('vm') ?? entries[0]?.vm;
  const gauges = entries.filter((e) => e.type === 'gauge' && e.vm === vm);
  if (gauges.length === 0) {
    throw new Error(`no gauge panel answer for VM ${vm}`);
  }
  const histories = entries.filter((e) => e.type === 'timeseries' && e.vm === vm);
  const panels = gauges.map((entry) => {
    const frames = answerFrames(entry);
    const processed = applyFieldOverrides({
      data: frames,
      fieldConfig: entry.fieldConfig,
      fieldConfigRegistry: registry,
      replaceVariables: (s: string) => s,
      theme,
      timeZone: 'utc',
    });
    const displays = getFieldDisplayValues({
      fieldConfig: entry.fieldConfig,
      reduceOptions: entry.options.reduceOptions,
      replaceVariables: (s: string) => s,
      theme,
      data: processed,
      timeZone: 'utc',
    }).filter((d) => d.field !== undefined && d.view?.dataFrame.fields[d.colIndex ?? 0]?.type === FieldType.number);
    return { entry, displays, frames };
  });
  const root = createRoot(document.getElementById('root')!);
  root.render(
    <div id="gauges" style={{ display: 'flex', flexWrap: 'wrap', width: 1000, background: '#111217', padding: 8 }}>
      {panels.map((p) => (
        <GaugePanel key={p.entry.id} {...p} />
      ))}
      {histories.map((entry) => (
        <HistoryPanel key={entry.id} entry={entry} />
      ))}
    </div>
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  window.gauges.done = true;
}

main().catch((error) => {
  window.gauges.error = String(error?.stack ?? error);
  window.gauges.done = true;
});
