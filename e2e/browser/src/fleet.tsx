// The provisioned dashboard's "Fleet overview" table as Grafana draws it,
// from the backend's answer in panels.json (the entry of the table panel:
// its fieldConfig, options, transformations and Grafana's /api/ds/query JSON
// of queryType "fleet", written by the Go test
// TestFleetPanelsOfManyVMsFromInfluxDB18): the frame decoded by
// @grafana/data, the panel's organize transformation and fieldConfig applied
// with the gauge page's option registry plus the table's custom options,
// drawn by @grafana/ui's Table with the panel's initial sort. Run by run.mjs.
import {
  applyFieldOverrides,
  createTheme,
  type DataTransformContext,
  identityOverrideProcessor,
  standardTransformers,
} from '@grafana/data';
import { Table } from '@grafana/ui';
import { firstValueFrom, of } from 'rxjs';
import { createRoot } from 'react-dom/client';

import { standardOptions, standardOption } from './fieldOptions';
import { answerFrames, loadPanelAnswers } from './panelAnswers';

declare global {
  interface Window {
    fleet: { rows?: number; error?: string; done?: boolean };
  }
}

window.fleet = {};
const theme = createTheme({ colors: { mode: 'dark' } });
// The table panel's custom field options (its fieldConfig "custom" block).
const registry = standardOptions([
  standardOption('links', identityOverrideProcessor),
  ...['align', 'cellOptions', 'filterable', 'inspect', 'width', 'minWidth'].map((name) => ({
    ...standardOption(`custom.${name}`, identityOverrideProcessor),
    path: name,
    isCustom: true,
  })),
]);

async function main() {
  const panels = await loadPanelAnswers<{ sortBy?: Array<{ displayName: string; desc?: boolean }> }>();
  const panel = panels.find((p) => p.type === 'table' && p.title === 'Fleet overview');
  if (!panel) {
    throw new Error('panels.json has no answer of the Fleet overview panel');
  }
  let frames = answerFrames(panel);
  if (frames.length !== 1) {
    throw new Error(`the fleet answer holds ${frames.length} frames, not one`);
  }
  const context: DataTransformContext = { interpolate: (s: string) => s };
  for (const t of panel.transformations ?? []) {
    if (t.id !== 'organize') {
      throw new Error(`transformation ${t.id} is not drawn by this page`);
    }
    frames = await firstValueFrom(
      standardTransformers.organizeFieldsTransformer.operator(t.options as never, context)(of(frames))
    );
  }
  const [frame] = applyFieldOverrides({
    data: frames,
    fieldConfig: panel.fieldConfig,
    fieldConfigRegistry: registry,
    replaceVariables: (s: string) => s,
    theme,
    timeZone: 'utc',
  });
  window.fleet.rows = frame.length;
  createRoot(document.getElementById('root')!).render(
    <div id="fleet" style={{ width: 1400, background: '#181b1f', padding: 8 }}>
      <div style={{ color: '#ccccdc', fontSize: 16, margin: '4px 0 8px' }}>
        {panel.title} · {frame.length} VMs
      </div>
      <div id="fleet-table">
      <Table
        data={frame}
        width={1384}
        height={640}
        initialSortBy={(panel.options.sortBy ?? []).map((s) => ({ displayName: s.displayName, desc: s.desc }))}
      />
      </div>
    </div>
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  window.fleet.done = true;
}

main().catch((error) => {
  window.fleet.error = String(error?.stack ?? error);
  window.fleet.done = true;
});
