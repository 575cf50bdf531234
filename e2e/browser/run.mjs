// End-to-end frontend proof of the dashboard's gauges: builds src/gauges.tsx,
// serves it with the backend's panel answers (E2E_PANELS, written by the Go
// end-to-end test) on 127.0.0.1, opens it in headless Chromium for every VM
// (E2E_VMS) and checks that each gauge shows the backend's last value in the
// panel's unit and decimals as Grafana formats them. Screenshots go to
// test-artifacts/e2e/. Run by `go test -tags e2e ./e2e/` (npm run e2e).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const build = path.join(root, 'test-artifacts/e2e/browser-build');
const artifacts = path.join(root, 'test-artifacts/e2e');
const panelsFile = process.env.E2E_PANELS;
const vms = (process.env.E2E_VMS ?? '').split(',').filter(Boolean);

let failures = 0;
let passes = 0;
function check(name, ok, detail = '') {
  if (ok) {
    passes++;
    console.log(`ok - ${name}`);
  } else {
    failures++;
    console.log(`not ok - ${name}${detail ? `\n  ${detail}` : ''}`);
  }
}

// Grafana's byte-rate steps: SI for unit "Bps" (B/s, kB/s, MB/s, ...), IEC for
// "binBps" (B/s, KiB/s, MiB/s, ...), which the provisioned dashboard uses.
const BYTE_RATE_STEPS = {
  Bps: { 'B/s': 1, 'kB/s': 1e3, 'MB/s': 1e6, 'GB/s': 1e9, 'TB/s': 1e12 },
  binBps: { 'B/s': 1, 'KiB/s': 1024, 'MiB/s': 1024 ** 2, 'GiB/s': 1024 ** 3, 'TiB/s': 1024 ** 4 },
};

/** What the text of a gauge must look like for its unit, and the number it stands for. */
function parseShown(gauge) {
  const { text, unit } = gauge;
  let m;
  switch (unit) {
    case 'degree':
      // Grafana writes a space before the sign ("84.3 °"), as for every
      // suffix unit; docs/CONTRACT.md's "12.5°" is the same value.
      m = /^(-?\d+(?:\.\d+)?) °$/.exec(text);
      return m && { value: Number(m[1]), digits: (m[1].split('.')[1] ?? '').length };
    case 'percent':
      m = /^(-?\d+(?:\.\d+)?)%$/.exec(text);
      return m && { value: Number(m[1]), digits: (m[1].split('.')[1] ?? '').length };
    case 'Bps':
    case 'binBps': {
      const steps = BYTE_RATE_STEPS[unit];
      m = /^(-?\d+(?:\.\d+)?) (\S+)$/.exec(text);
      const scale = m && steps[m[2]];
      return scale ? { value: Number(m[1]) * scale, digits: (m[1].split('.')[1] ?? '').length, scale } : null;
    }
    default:
      return null;
  }
}

function buildPage() {
  const result = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/webpack-cli/bin/cli.js'), '-c', path.join(here, 'webpack.config.cjs')],
    { cwd: root, encoding: 'utf8', timeout: 300000 }
  );
  if (result.status !== 0) {
    throw new Error(`gauge page build failed:\n${result.stdout}\n${result.stderr}`);
  }
}

async function serve() {
  const files = {
    '/': [path.join(here, 'index.html'), 'text/html; charset=utf-8'],
    '/gauges.js': [path.join(build, 'gauges.js'), 'text/javascript; charset=utf-8'],
    '/panels.json': [panelsFile, 'application/json'],
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const file = files[url.pathname] ?? (fs.existsSync(path.join(build, url.pathname)) && [path.join(build, path.basename(url.pathname)), 'application/octet-stream']);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': file[1] }).end(fs.readFileSync(file[0]));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

async function main() {
  if (!panelsFile || !fs.existsSync(panelsFile) || vms.length === 0) {
    throw new Error('E2E_PANELS (panels.json of the Go test) and E2E_VMS are required');
  }
  fs.mkdirSync(artifacts, { recursive: true });
  buildPage();
  const { server, url } = await serve();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    for (const vm of vms) {
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.route('**/*', (route) => (route.request().url().startsWith(url) ? route.continue() : route.abort()));
      await page.goto(`${url}/?vm=${encodeURIComponent(vm)}`);
      await page.waitForFunction(() => window.gauges?.done, null, { timeout: 60000 });
      const state = await page.evaluate(() => window.gauges);
      check(`${vm}: the gauge page rendered`, !state.error, state.error);
      check(`${vm}: gauges were drawn`, state.drawn.length > 0, `${state.drawn.length} gauges`);
      // The value text BarGauge put in the page for each display value.
      const drawnTexts = await page
        .locator('.gauge')
        .evaluateAll((els) => els.map((e) => ({ want: e.dataset.text, got: e.querySelector('[data-testid]')?.textContent })));
      check(`${vm}: one bar gauge per display value`, drawnTexts.length === state.drawn.length, `${drawnTexts.length} for ${state.drawn.length}`);
      for (const { want, got } of drawnTexts) {
        check(`${vm}: BarGauge shows ${JSON.stringify(want)}`, got === want, `page shows ${JSON.stringify(got)}`);
      }
      for (const g of state.drawn) {
        const name = `${vm}: ${g.panel} shows ${JSON.stringify(g.text)} (unit ${g.unit}, backend value ${g.raw})`;
        const shown = parseShown(g);
        if (!shown) {
          check(name, false, `text does not have the form of unit ${g.unit}`);
          continue;
        }
        if (g.decimals !== undefined && !(g.unit in BYTE_RATE_STEPS)) {
          check(`${name}: ${g.decimals} decimal(s)`, shown.digits === g.decimals, `${shown.digits} shown`);
        }
        const tolerance = (0.5 * (shown.scale ?? 1)) / 10 ** shown.digits + 1e-9;
        check(name, g.raw !== null && Math.abs(shown.value - g.raw) <= tolerance, `shown ${shown.value}, backend ${g.raw}, tolerance ${tolerance}`);
      }
      check(`${vm}: no uncaught page errors`, errors.length === 0, errors.join('\n'));
      const shot = path.join(artifacts, `gauges-${vm}.png`);
      await page.locator('#gauges').screenshot({ path: shot });
      console.log(`screenshot ${path.relative(root, shot)}`);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
}

main()
  .catch((error) => check('gauge page', false, String(error?.stack ?? error)))
  .finally(() => {
    console.log(`gauges: ${passes} passed, ${failures} failed`);
    process.exitCode = failures === 0 && passes > 0 ? 0 : 1;
  });
