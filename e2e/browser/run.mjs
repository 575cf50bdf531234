// Frontend proof of the dashboard drawn from the backend's answers: builds
// src/gauges.tsx, src/fleet.tsx and src/events.tsx, serves them with the
// panel answers (E2E_PANELS: panels.json, written by the Go end-to-end test
// or by TestFleetPanelsOfManyVMsFromInfluxDB18; events-panels.json, written
// by TestEndToEnd/Lifecycle) on 127.0.0.1 and opens them in
// headless Chromium:
// - for every VM of E2E_VMS, its detail row's gauges: each shows the
//   backend's last value in the panel's unit and decimals as Grafana formats
//   them; the row's history panels, when answered, drawn as sparklines;
// - when the answers hold the "Fleet overview" table: one row per VM, opened
//   sorted as the panel says (CPU % descending), re-sorted by a click on the
//   "Memory %" header, every column inside the panel (none cut off);
// - when the answers hold an annotation query for a VM: its time-series
//   panels with the events drawn on them (src/events.tsx), every event a
//   marker on every panel at the x of its time, its tooltip the event's
//   title, text and tags, every stop, start or crash marker at a null CPU
//   rate of the Rates panel, and the CPU rate defined right after a reboot.
// Screenshots go to test-artifacts/e2e/, or to E2E_SHOTS (npm run shot:fleet
// writes docs/img). Run by `go test -tags e2e ./e2e/` (npm run e2e) and by
// npm run shot:fleet.
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
const shots = process.env.E2E_SHOTS ? path.resolve(root, process.env.E2E_SHOTS) : artifacts;
const panelsFile = process.env.E2E_PANELS;
const vms = (process.env.E2E_VMS ?? '').split(',').filter(Boolean);

// How long a page may take to load and draw: a bound, not a measure (a 7 MB
// page took over 30 s to load at load average 36 on this 2-core machine).
const PAGE_LOAD_MS = 180000;

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

/** Newest modification time of the files the pages are built from (the dependencies by the lock file). */
function newestSource() {
  const sources = [path.join(here, 'webpack.config.cjs'), path.join(root, 'package-lock.json'), ...fs.readdirSync(path.join(here, 'src')).map((f) => path.join(here, 'src', f))];
  return Math.max(...sources.map((f) => fs.statSync(f).mtimeMs));
}

function buildPage() {
  // A second run of the same checkout (the end-to-end test draws twice) reuses the pages.
  // The stamp, not the pages: webpack leaves a page it would write unchanged untouched.
  const stamp = path.join(build, 'built-at');
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs > newestSource()) {
    console.log('pages up to date');
    return;
  }
  const result = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/webpack-cli/bin/cli.js'), '-c', path.join(here, 'webpack.config.cjs')],
    { cwd: root, encoding: 'utf8', timeout: 900000 }
  );
  if (result.status !== 0) {
    throw new Error(`page build failed:\n${result.stdout}\n${result.stderr}`);
  }
  fs.writeFileSync(stamp, new Date().toISOString());
}

// Each page: its path, its bundle (an entry of webpack.config.cjs) and its title.
const PAGES = {
  '/': ['gauges', 'VM Telemetry gauges (end-to-end)'],
  '/fleet': ['fleet', 'VM Telemetry fleet overview'],
  '/events': ['events', 'VM Telemetry annotated panels'],
};

function pageHtml(bundle, title) {
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>${title}</title></head>
  <body style="margin: 0; background: #111217"><div id="root"></div><script src="/${bundle}.js"></script></body>
</html>
`;
}

async function serve() {
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    if (PAGES[pathname]) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(pageHtml(...PAGES[pathname]));
      return;
    }
    if (pathname === '/panels.json') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(fs.readFileSync(panelsFile));
      return;
    }
    // The bundles and their assets: a file name of the build folder, nothing else.
    const file = path.join(build, path.basename(pathname));
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type }).end(fs.readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

async function main() {
  if (!panelsFile || !fs.existsSync(panelsFile) || vms.length === 0) {
    throw new Error('E2E_PANELS (panels.json of the Go test) and E2E_VMS are required');
  }
  fs.mkdirSync(shots, { recursive: true });
  const answers = JSON.parse(fs.readFileSync(panelsFile, 'utf8'));
  buildPage();
  const { server, url } = await serve();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    for (const vm of vms) {
      const has = (type) => answers.some((p) => p.type === type && p.vm === vm);
      if (has('gauge')) {
        await checkGauges(browser, url, vm, answers);
      }
      if (has('annotations')) {
        await checkEvents(browser, url, vm, answers);
      }
      check(`${vm}: the answers hold its gauges or its annotated panels`, has('gauge') || has('annotations'));
    }
    const fleet = answers.find((p) => p.type === 'table' && p.title === 'Fleet overview');
    if (fleet) {
      await checkFleet(browser, url, fleet.response.results.A.frames[0]);
    }
  } finally {
    await browser.close();
    server.close();
  }
}

/** The gauge page of one VM: every gauge shows the backend's value as Grafana formats it. */
async function checkGauges(browser, url, vm, answers) {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('**/*', (route) => (route.request().url().startsWith(url) ? route.continue() : route.abort()));
  await page.goto(`${url}/?vm=${encodeURIComponent(vm)}`, { timeout: PAGE_LOAD_MS });
  await page.waitForFunction(() => window.gauges?.done, null, { timeout: PAGE_LOAD_MS });
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
  const histories = answers.filter((p) => p.type === 'timeseries' && p.vm === vm);
  if (histories.length > 0) {
    const canvases = await page.locator('.history canvas').count();
    const drawn = state.history.map((h) => `${h.panel}: ${h.series} series`);
    check(
      `${vm}: the ${histories.length} history panels drawn, each series a sparkline`,
      state.history.length === histories.length && state.history.every((h) => h.series > 0) && canvases >= state.history.reduce((n, h) => n + h.series, 0),
      `${drawn.join(', ')}; ${canvases} canvases`
    );
  }
  check(`${vm}: no uncaught page errors`, errors.length === 0, errors.join('\n'));
  const shot = path.join(shots, `gauges-${vm.replace(/[^\w.-]/g, '_')}.png`);
  await page.locator('#gauges').screenshot({ path: shot });
  console.log(`screenshot ${path.relative(root, shot)}`);
  await page.close();
}

/** The annotation rows of an annotation answer (Grafana's frame JSON): time, title, text, tags. */
function annotationRows(entry) {
  return Object.values(entry.response.results)
    .flatMap((r) => r.frames ?? [])
    .flatMap((frame) => {
      const times = column(frame, 'time') ?? [];
      return times.map((time, i) => ({
        time,
        title: column(frame, 'title')[i],
        text: column(frame, 'text')[i],
        tags: String(column(frame, 'tags')[i]).split(','),
      }));
    });
}

// Events after which a VM's rates are null until it has two samples again:
// it stopped (no samples) or its counters started again from zero. Not a
// reboot: the guest restarts inside the same QEMU process, whose counters go on.
const GAP_EVENTS = new Set(['stopped', 'started', 'crashed', 'shutdown', 'undefined']);
// A sample's time is its exporter round's, an event's its arrival: a round
// that reads late (seconds at load average 36 here) stamps an earlier time.
const SAMPLE_SKEW_MS = 5000;

/**
 * The null-rate gaps of a time-series answer: per series, each run of null
 * values after its first value, from the last sample before it to the first
 * after it (a trailing run ends at the panel's end).
 */
function nullGaps(entry) {
  const gaps = [];
  for (const frame of Object.values(entry.response.results).flatMap((r) => r.frames ?? [])) {
    const timeIndex = frame.schema.fields.findIndex((f) => f.type === 'time');
    const times = frame.data.values[timeIndex];
    frame.schema.fields.forEach((field, f) => {
      if (field.type !== 'number') {
        return;
      }
      const values = frame.data.values[f];
      let last = -1;
      for (let i = 0; i < values.length; i++) {
        if (values[i] === null) {
          continue;
        }
        if (last >= 0 && i > last + 1) {
          gaps.push({ field: field.name, from: times[last], to: times[i] });
        }
        last = i;
      }
      if (last >= 0 && last < values.length - 1) {
        gaps.push({ field: field.name, from: times[last], to: entry.to });
      }
    });
  }
  return gaps;
}

/**
 * The annotated time-series panels of one VM: every event of the annotation
 * answer is a marker on every panel at the x its time has on the panel's time
 * axis, its tooltip shows the event, and every null-rate gap has a stop,
 * start or reboot marker inside it.
 */
async function checkEvents(browser, url, vm, answers) {
  const page = await browser.newPage({ viewport: { width: 1240, height: 1100 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('**/*', (route) => (route.request().url().startsWith(url) ? route.continue() : route.abort()));
  await page.goto(`${url}/events?vm=${encodeURIComponent(vm)}`, { timeout: PAGE_LOAD_MS });
  await page.waitForFunction(() => window.events?.done, null, { timeout: PAGE_LOAD_MS });
  const state = await page.evaluate(() => window.events);
  check(`${vm}: the annotated panels rendered`, !state.error, state.error);
  const events = answers.filter((p) => p.type === 'annotations' && p.vm === vm).flatMap(annotationRows);
  const panels = answers.filter((p) => p.type === 'timeseries' && p.vm === vm);
  check(`${vm}: the annotation answer has events`, events.length > 0);
  check(
    `${vm}: the ${panels.length} time-series panels drawn`,
    state.panels.length === panels.length && state.panels.every((p) => p.series > 0),
    state.panels.map((p) => `${p.panel}: ${p.series} series`).join(', ')
  );
  const drawn = await page.locator('.annotated-panel').evaluateAll((els) =>
    els.map((el) => {
      const over = el.querySelector('.u-over').getBoundingClientRect();
      return {
        title: el.querySelector('.panel-title').textContent,
        left: over.left,
        width: over.width,
        bottom: over.bottom,
        markers: [...el.querySelectorAll('.event-marker')].map((m) => {
          const r = m.getBoundingClientRect();
          return { time: Number(m.dataset.time), title: m.dataset.title, x: r.left + r.width / 2, top: r.top };
        }),
      };
    })
  );
  for (const [i, panel] of drawn.entries()) {
    const { from, to } = panels[i];
    check(`${panel.title}: one marker per event (${events.length})`, panel.markers.length === events.length, `${panel.markers.length} markers`);
    for (const event of events) {
      const want = panel.left + ((event.time - from) / (to - from)) * panel.width;
      const marker = panel.markers.find((m) => m.time === event.time && m.title === event.title);
      check(
        `${panel.title}: "${event.title}" at ${new Date(event.time).toISOString()} marked at x ${Math.round(want)}, below the plot`,
        marker !== undefined && Math.abs(marker.x - want) <= 1.5 && marker.top >= panel.bottom,
        marker ? `marker at x ${marker.x.toFixed(1)}, top ${marker.top} (plot ends at ${panel.bottom})` : 'no marker'
      );
    }
  }
  // The tooltip of a reconciled event says so (Grafana shows the text on hover).
  const reconciled = events.find((e) => e.text.includes('Reconciled'));
  if (reconciled) {
    const marker = page.locator('.annotated-panel').first().locator(`.event-marker[data-time="${reconciled.time}"]`);
    // The test starts the guest again as soon as the reconciled stop is answered, so the two
    // markers stand a few pixels apart and the later one covers the middle of this one: the
    // mouse goes to a pixel of this marker that nothing covers.
    const point = (await marker.count()) === 1 ? await marker.evaluate(uncoveredPoint) : null;
    const tooltip = point ? await marker.hover({ position: point }).then(() => page.locator('.event-tooltip').first().textContent({ timeout: 30000 })) : '';
    check(
      `${vm}: hovering "${reconciled.title}" shows its title, text and tags`,
      tooltip.includes(reconciled.title) && tooltip.includes(reconciled.text) && reconciled.tags.every((tag) => tooltip.includes(tag)),
      point ? `tooltip: ${JSON.stringify(tooltip)}` : 'no marker, or every pixel of it covered by other markers'
    );
  }
  // Every stop, start or crash marker stands at a null-rate gap of the CPU:
  // a sample within SAMPLE_SKEW_MS of it has a null rate.
  const rates = panels.find((p) => p.title === 'Rates');
  if (rates) {
    check(`${vm}: the Rates panel has null-rate gaps`, nullGaps(rates).length > 0);
    const frame = Object.values(rates.response.results).flatMap((r) => r.frames ?? [])[0];
    const times = column(frame, 'time');
    const cpu = column(frame, 'cpu_usage_percent_rate');
    for (const event of events.filter((e) => e.tags.some((tag) => GAP_EVENTS.has(tag)))) {
      const near = times.map((t, i) => ({ t, rate: cpu[i] })).filter(({ t }) => Math.abs(t - event.time) <= SAMPLE_SKEW_MS);
      check(
        `${vm}: "${event.title}" at ${new Date(event.time).toISOString()} marks a null CPU rate in Rates`,
        near.some(({ rate }) => rate === null),
        `samples within ${SAMPLE_SKEW_MS} ms: ${near.map(({ t, rate }) => `${new Date(t).toISOString()} ${rate}`).join('; ')}`
      );
    }
  }
  // A reboot explains no gap: the CPU rate is defined at the first sample after it.
  if (rates) {
    const frame = Object.values(rates.response.results).flatMap((r) => r.frames ?? [])[0];
    const times = column(frame, 'time');
    const cpu = column(frame, 'cpu_usage_percent_rate');
    for (const reboot of events.filter((e) => e.tags.includes('rebooted'))) {
      const next = times.findIndex((t) => t > reboot.time);
      check(
        `${vm}: Rates CPU defined at the first sample after "${reboot.title}" (the counters go on)`,
        next >= 0 && cpu[next] !== null,
        next >= 0 ? `CPU rate ${cpu[next]} at ${new Date(times[next]).toISOString()}` : 'no sample after it'
      );
    }
  }
  check(`${vm}: no uncaught page errors`, errors.length === 0, errors.join('\n'));
  const shot = path.join(shots, `events-${vm.replace(/[^\w.-]/g, '_')}.png`);
  await page.locator('#events').screenshot({ path: shot });
  console.log(`screenshot ${path.relative(root, shot)}`);
  await page.close();
}

/** The frame's column `name` by row, from Grafana's frame JSON. */
/** In the page: a point of element el (relative to its box) where the mouse reaches el itself, or null. */
function uncoveredPoint(el) {
  const box = el.getBoundingClientRect();
  for (let x = 0; x < box.width; x++) {
    const hit = document.elementFromPoint(box.left + x, box.top + box.height / 2);
    if (hit && el.contains(hit)) {
      return { x, y: box.height / 2 };
    }
  }
  return null;
}

function column(frame, name) {
  const i = frame.schema.fields.findIndex((f) => f.name === name);
  return frame.data.values[i];
}

/** The references of the rows in the order a sort by `field` gives: empty values (stale VMs) count as the lowest, as in Grafana's table. */
function expectedOrder(frame, field, desc) {
  const values = column(frame, field);
  const refs = column(frame, 'ref');
  const rows = values.map((v, i) => ({ v, ref: refs[i] }));
  const empty = rows.filter((r) => r.v === null);
  const present = rows.filter((r) => r.v !== null).sort((a, b) => (desc ? b.v - a.v : a.v - b.v));
  return (desc ? [...present, ...empty] : [...empty, ...present]).map((r) => r.ref);
}

/** The rows the table shows, top to bottom, as <host>/<vm> (its first two columns). */
async function shownRows(page) {
  return page.locator('[role="row"]').evaluateAll((rows) =>
    rows
      .map((r) => ({
        top: r.getBoundingClientRect().top,
        cells: [...r.querySelectorAll('[role="cell"], [role="gridcell"]')].map((c) => c.textContent),
      }))
      .filter((r) => r.cells.length > 1)
      .sort((a, b) => a.top - b.top)
      .map((r) => `${r.cells[1]}/${r.cells[0]}`)
  );
}

async function checkFleet(browser, url, frame) {
  const page = await browser.newPage({ viewport: { width: 1420, height: 760 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('**/*', (route) => (route.request().url().startsWith(url) ? route.continue() : route.abort()));
  await page.goto(`${url}/fleet`, { timeout: PAGE_LOAD_MS });
  await page.waitForFunction(() => window.fleet?.done, null, { timeout: PAGE_LOAD_MS });
  const state = await page.evaluate(() => window.fleet);
  const vms = frame.data.values[0].length;
  check('fleet: the overview rendered', !state.error, state.error);
  check(`fleet: the table has a row per VM (${vms})`, state.rows === vms, `${state.rows} rows`);

  // Every column header inside the table: none cut off at the right.
  const overflow = await page.evaluate(() => {
    const table = document.querySelector('#fleet-table').getBoundingClientRect();
    return [...document.querySelectorAll('[role="columnheader"]')]
      .map((h) => ({ text: h.textContent, right: h.getBoundingClientRect().right }))
      .filter((h) => h.right > table.right + 1)
      .map((h) => `${h.text} ends at ${Math.round(h.right)} (table ends at ${Math.round(table.right)})`);
  });
  const headers = await page.locator('[role="columnheader"]').allTextContents();
  check(`fleet: all ${headers.length} columns fit in the panel`, headers.length >= 12 && overflow.length === 0, `${headers.join(' | ')}; ${overflow.join('; ')}`);

  const byCPU = expectedOrder(frame, 'cpu_usage_percent', true);
  const first = await shownRows(page);
  check(
    "fleet: opens sorted by CPU % descending (the panel's sortBy)",
    first.length > 5 && first.every((ref, i) => ref === byCPU[i]),
    `shown ${first.slice(0, 6)}, want ${byCPU.slice(0, 6)}`
  );
  const shot = path.join(shots, 'fleet-overview.png');
  await page.locator('#fleet').screenshot({ path: shot });
  console.log(`screenshot ${path.relative(root, shot)}`);

  await page.locator('[role="columnheader"]', { hasText: 'Memory %' }).first().click();
  const matches = (rows, want) => rows.length > 5 && rows.every((ref, i) => ref === want[i]);
  const byMemory = (rows) =>
    matches(rows, expectedOrder(frame, 'memory_usage_percent', false)) || matches(rows, expectedOrder(frame, 'memory_usage_percent', true));
  // The table sorts again after the click: read until it has (seconds on a loaded host; bounded).
  let second = await shownRows(page);
  const until = Date.now() + PAGE_LOAD_MS;
  while (!byMemory(second) && Date.now() < until) {
    await page.waitForTimeout(250);
    second = await shownRows(page);
  }
  check('fleet: a click on "Memory %" sorts the rows by memory', byMemory(second), `shown ${second.slice(0, 6)}`);
  check('fleet: the order changed', second.join() !== first.join());
  check('fleet: no uncaught page errors', errors.length === 0, errors.join('\n'));
  await page.close();
}

main()
  .catch((error) => check('pages', false, String(error?.stack ?? error)))
  .finally(() => {
    console.log(`browser: ${passes} passed, ${failures} failed`);
    process.exitCode = failures === 0 && passes > 0 ? 0 : 1;
  });
