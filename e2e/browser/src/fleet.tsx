// The provisioned dashboard's "Fleet overview" table as Grafana draws it,
// from a fleet answer of the backend (fleet.json: Grafana's /api/ds/query
// JSON of queryType "fleet", written by the Go test TestFleetAnswerOfManyVMs):
// the frame decoded by @grafana/data, the panel's organize transformation and
// fieldConfig (provisioning/dashboards/vm-telemetry.json) applied with the
// gauge page's option registry plus the table's custom options, drawn by
// @grafana/ui's Table with the panel's initial sort. run by fleet.mjs.
import {
  applyFieldOverrides,
  createTheme,
  dataFrameFromJSON,
  type DataFrame,
  type DataFrameJSON,
  type DataTransformContext,
  type FieldConfigSource,
  identityOverrideProcessor,
  standardTransformers,
} from '@grafana/data';
import { Table } from '@grafana/ui';
import { firstValueFrom, of } from 'rxjs';
import { createRoot } from 'react-dom/client';

import { standardOptions, standardOption } from './fieldOptions';

interface Panel {
  title: string;
  fieldConfig: FieldConfigSource;
  options: { sortBy?: Array<{ displayName: string; desc?: boolean }> };
  transformations?: Array<{ id: string; options: object }>;
}

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
  const [panel, answer]: [Panel, { results: Record<string, { frames?: DataFrameJSON[]; error?: string }> }] =
    await Promise.all([(await fetch('/panel.json')).json(), (await fetch('/fleet.json')).json()]);
  const result = answer.results.A;
  if (!result || result.error || !result.frames?.length) {
    throw new Error(`fleet answer without a frame: ${result?.error ?? 'no result A'}`);
  }
  let frames: DataFrame[] = [{ ...dataFrameFromJSON(result.frames[0]), refId: 'A' }];
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
      <Table
        data={frame}
        width={1384}
        height={640}
        initialSortBy={(panel.options.sortBy ?? []).map((s) => ({ displayName: s.displayName, desc: s.desc }))}
      />
    </div>
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  window.fleet.done = true;
}

main().catch((error) => {
  window.fleet.error = String(error?.stack ?? error);
  window.fleet.done = true;
});
