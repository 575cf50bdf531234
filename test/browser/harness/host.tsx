// A stand-in for the part of Grafana that loads a data source plugin's
// frontend: SystemJS with the AMD extra (loaded by index.html), the shared
// dependencies registered as package:<name> and mapped from their bare names,
// then System.import of the plugin's dist/module.js. It renders the plugin's
// ConfigEditor and QueryEditor and keeps their state in window.harness for the
// Playwright checks.
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createTheme, DataSourcePlugin, DataSourceSettings, PluginType, ThemeContext } from '@grafana/data';
import { setBackendSrv, setTemplateSrv } from '@grafana/runtime';
import { GlobalStyles } from '@grafana/ui';

import { harnessBackendSrv, harnessTemplateSrv } from './services';
import { sharedDependencies } from './sharedDependencies';

interface SystemJS {
  addImportMap(map: { imports: Record<string, string> }): void;
  set(id: string, module: unknown): void;
  import(id: string): Promise<{ plugin: DataSourcePlugin<any, any, any, any> }>;
}

interface HarnessState {
  options?: DataSourceSettings<any, any>;
  query?: Record<string, unknown>;
  queryChanges: number;
  runs: number;
  error?: string;
}

declare global {
  interface Window {
    System: SystemJS;
    harness: HarnessState;
  }
}

const PLUGIN_ID = 'vmtelemetry-libvirt-datasource';
const params = new URLSearchParams(window.location.search);
const DATASOURCE_UID = params.get('uid') ?? 'vmt-harness';

window.harness = { queryChanges: 0, runs: 0 };

function registerSharedDependencies() {
  const imports: Record<string, string> = {};
  for (const [name, module] of Object.entries(sharedDependencies)) {
    imports[name] = `package:${name}`;
    window.System.set(`package:${name}`, module);
  }
  window.System.addImportMap({ imports });
}

const initialSettings: DataSourceSettings<any, any> = {
  id: 1,
  uid: DATASOURCE_UID,
  orgId: 1,
  name: 'VM Telemetry',
  type: PLUGIN_ID,
  typeName: 'VM Telemetry',
  typeLogoUrl: `public/plugins/${PLUGIN_ID}/img/logo.svg`,
  access: 'proxy',
  url: 'http://127.0.0.1:8086',
  user: '',
  database: '',
  basicAuth: false,
  basicAuthUser: '',
  isDefault: false,
  withCredentials: false,
  readOnly: false,
  jsonData: { authType: 'token', database: 'vm_telemetry', measurement: 'vm_telemetry' },
  // As Grafana sends a saved secret: a flag, never the value.
  secureJsonFields: { token: true },
};

/** A query as saved by the first plugin version (schemaVersion 0). */
const savedQuery = { refId: 'A', vm: 'one-71', metric: 'cpu_usage_percent', rate: true };

function App({ plugin }: { plugin: DataSourcePlugin<any, any, any, any> }) {
  const [options, setOptions] = useState(initialSettings);
  const [query, setQuery] = useState<any>(savedQuery);
  const [datasource] = useState(() => {
    const DataSourceClass = plugin.DataSourceClass as any;
    return new DataSourceClass({
      ...options,
      meta: { id: PLUGIN_ID, name: 'VM Telemetry', type: PluginType.datasource, info: {} },
    });
  });
  const ConfigEditor = plugin.components.ConfigEditor!;
  const QueryEditor = plugin.components.QueryEditor!;
  window.harness.options = options;
  window.harness.query = query;
  return (
    <div style={{ display: 'flex', gap: 32, padding: 16 }}>
      <section id="config-editor" style={{ flex: 1 }}>
        <h3>ConfigEditor</h3>
        <ConfigEditor options={options} onOptionsChange={setOptions} />
      </section>
      <section id="query-editor" style={{ flex: 1 }}>
        <h3>QueryEditor</h3>
        <QueryEditor
          datasource={datasource}
          query={query}
          onChange={(next: any) => {
            window.harness.queryChanges++;
            setQuery(next);
          }}
          onRunQuery={() => window.harness.runs++}
        />
      </section>
    </div>
  );
}

async function main() {
  registerSharedDependencies();
  setBackendSrv(harnessBackendSrv());
  setTemplateSrv(harnessTemplateSrv({ vm: [], host: [] }));
  const { plugin } = await window.System.import(`/public/plugins/${PLUGIN_ID}/module.js`);
  const theme = createTheme({ colors: { mode: 'dark' } });
  createRoot(document.getElementById('root')!).render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <App plugin={plugin} />
      <div id="harness-ready" />
    </ThemeContext.Provider>
  );
}

main().catch((error) => {
  window.harness.error = String(error?.stack ?? error);
  document.getElementById('root')!.textContent = `Harness failed: ${window.harness.error}`;
});
