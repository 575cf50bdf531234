// Runs the @grafana/plugin-e2e suite against the Grafana at GRAFANA_URL (the compose
// stack: `docker compose up -d`, then GRAFANA_URL=http://localhost:3000). Without
// GRAFANA_URL it does not run, says so loudly, and exits 0: a skipped suite is never
// counted as proof (docs/E2E.md). Installs its packages (npm ci) on first use.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

if (!process.env.GRAFANA_URL) {
  const line = '!'.repeat(78);
  console.log(`${line}\n!! @grafana/plugin-e2e suite SKIPPED: GRAFANA_URL is not set (no Grafana runs here).`);
  console.log('!! This is NOT proof. Run it where the compose stack runs:');
  console.log('!!   docker compose up -d && GRAFANA_URL=http://localhost:3000 npm --prefix e2e/plugin-e2e test');
  console.log(line);
  process.exit(0);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: here, stdio: 'inherit' });
  if (result.status !== 0) {
    process.exit(result.status ?? 1);
  }
}

if (!fs.existsSync(path.join(here, 'node_modules/@grafana/plugin-e2e'))) {
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
run(path.join(here, 'node_modules/.bin/playwright'), ['test']);
