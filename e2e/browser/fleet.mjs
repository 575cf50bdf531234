// The fleet overview proof: builds src/fleet.tsx, serves it with the
// provisioned dashboard's "Fleet overview" panel and a fleet answer of the
// backend (FLEET_ANSWER; `npm run shot:fleet` has the Go test
// TestFleetAnswerOfManyVMs write one for 500 VMs on 5 hosts) on 127.0.0.1,
// opens it in headless Chromium, checks that the table opens sorted as the
// panel says (CPU % descending) and that a click on the "Memory %" header
// re-sorts the rows by memory, and saves docs/img/fleet-overview.png.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const build = path.join(root, 'test-artifacts/e2e/browser-build');
const answerFile = process.env.FLEET_ANSWER;
const shot = path.join(root, 'docs/img/fleet-overview.png');

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

const dashboard = JSON.parse(fs.readFileSync(path.join(root, 'provisioning/dashboards/vm-telemetry.json'), 'utf8'));
const panel = dashboard.panels.find((p) => p.title === 'Fleet overview');

/** The frame's column `name` by row, from Grafana's frame JSON. */
function column(frame, name) {
  const i = frame.schema.fields.findIndex((f) => f.name === name);
  return frame.data.values[i];
}

/** The VM names of the rows in the order a sort by `field` gives: empty values (stale VMs) count as the lowest, as in Grafana's table. */
function expectedOrder(frame, field, desc) {
  const values = column(frame, field);
  const vms = column(frame, 'vm');
  const rows = values.map((v, i) => ({ v, vm: vms[i] }));
  const empty = rows.filter((r) => r.v === null);
  const present = rows.filter((r) => r.v !== null).sort((a, b) => (desc ? b.v - a.v : a.v - b.v));
  return (desc ? [...present, ...empty] : [...empty, ...present]).map((r) => r.vm);
}

async function serve() {
  const files = {
    '/': () => fs.readFileSync(path.join(here, 'fleet.html')),
    '/fleet.js': () => fs.readFileSync(path.join(build, 'fleet.js')),
    '/fleet.json': () => fs.readFileSync(answerFile),
    '/panel.json': () => JSON.stringify(panel),
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const file = files[url.pathname];
    const asset = path.join(build, path.basename(url.pathname));
    if (file) {
      res.writeHead(200).end(file());
    } else if (fs.existsSync(asset)) {
      res.writeHead(200).end(fs.readFileSync(asset));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

/** The VM column's texts of the rows the table shows, top to bottom. */
async function shownVMs(page) {
  return page.locator('[role="row"]').evaluateAll((rows) =>
    rows
      .map((r) => ({
        top: r.getBoundingClientRect().top,
        cells: [...r.querySelectorAll('[role="cell"], [role="gridcell"]')].map((c) => c.textContent),
      }))
      .filter((r) => r.cells.length > 0)
      .sort((a, b) => a.top - b.top)
      .map((r) => r.cells[0])
  );
}

async function main() {
  if (!answerFile || !fs.existsSync(answerFile)) {
    throw new Error('FLEET_ANSWER (a fleet answer of the backend, see TestFleetAnswerOfManyVMs) is required');
  }
  check('the dashboard has the Fleet overview panel', panel !== undefined);
  const frame = JSON.parse(fs.readFileSync(answerFile, 'utf8')).results.A.frames[0];
  const build_ = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/webpack-cli/bin/cli.js'), '-c', path.join(here, 'webpack.config.cjs')],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 300000,
    }
  );
  if (build_.status !== 0) {
    throw new Error(`page build failed:\n${build_.stdout}\n${build_.stderr}`);
  }
  const { server, url } = await serve();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1420, height: 760 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.route('**/*', (route) => (route.request().url().startsWith(url) ? route.continue() : route.abort()));
    await page.goto(url);
    await page.waitForFunction(() => window.fleet?.done, null, { timeout: 60000 });
    const state = await page.evaluate(() => window.fleet);
    check('the fleet page rendered', !state.error, state.error);
    check(
      `the table has a row per VM (${frame.data.values[0].length})`,
      state.rows === frame.data.values[0].length,
      `${state.rows} rows`
    );

    const byCPU = expectedOrder(frame, 'cpu_usage_percent', true);
    const first = await shownVMs(page);
    check(
      "opens sorted by CPU % descending (the panel's sortBy)",
      first.length > 5 && first.every((vm, i) => vm === byCPU[i]),
      `shown ${first.slice(0, 8)}, want ${byCPU.slice(0, 8)}`
    );
    await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: 1416, height: 700 } });
    console.log(`screenshot ${path.relative(root, shot)}`);

    await page.locator('[role="columnheader"]', { hasText: 'Memory %' }).first().click();
    await page.waitForTimeout(500);
    const second = await shownVMs(page);
    const byMemAsc = expectedOrder(frame, 'memory_usage_percent', false);
    const byMemDesc = expectedOrder(frame, 'memory_usage_percent', true);
    const matches = (want) => second.length > 5 && second.every((vm, i) => vm === want[i]);
    check(
      'a click on "Memory %" sorts the rows by memory',
      matches(byMemAsc) || matches(byMemDesc),
      `shown ${second.slice(0, 8)}, want ${byMemAsc.slice(0, 8)} or ${byMemDesc.slice(0, 8)}`
    );
    check('the order changed', second.join() !== first.join());
    check('no uncaught page errors', errors.length === 0, errors.join('\n'));
  } finally {
    await browser.close();
    server.close();
  }
}

main()
  .catch((error) => check('fleet page', false, String(error?.stack ?? error)))
  .finally(() => {
    console.log(`fleet: ${passes} passed, ${failures} failed`);
    process.exitCode = failures === 0 && passes > 0 ? 0 : 1;
  });
