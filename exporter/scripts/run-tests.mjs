// Runs the exporter's tests with Node's built-in runner through tsx.
// Node 20's --test takes no glob patterns, so the files are listed here.
//   node scripts/run-tests.mjs              every *.test.ts under test/
//   node scripts/run-tests.mjs unit         only unit tests (no *.integration.test.ts)
//   node scripts/run-tests.mjs integration  only *.integration.test.ts
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const kind = process.argv[2] ?? 'all';
if (!['all', 'unit', 'integration'].includes(kind)) {
  console.error(`unknown test selection "${kind}": use all, unit or integration`);
  process.exit(2);
}

// Integration files start their own daemons, servers and guests (scripts/) and
// mostly wait for them, so three run at once (more, on 2 cores, starves the QEMU
// guests' TCG that their loads need). Node's runner orders files by name, so
// this script keeps the pool: the longest files start first, so that the run
// does not end on one of them alone. Quiet 2-core machine: install ~3 min
// (builds the package twice, boots systemd twice), spill, guest and
// exporter ~1 min each, the others less.
const INTEGRATION_CONCURRENCY = 3;
const LONGEST_FIRST = [
  'test/install.integration.test.ts',
  'test/spill.integration.test.ts',
  'test/guest.integration.test.ts',
  'test/exporter.integration.test.ts',
  'test/libvirt/guest.integration.test.ts',
];

const all = readdirSync(join(root, 'test'), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
  .map((entry) => relative(root, join(entry.parentPath ?? entry.path, entry.name)))
  .sort();
const unit = all.filter((file) => !file.endsWith('.integration.test.ts'));
const integration = all.filter((file) => file.endsWith('.integration.test.ts'));
const stale = LONGEST_FIRST.filter((file) => !integration.includes(file));
if (stale.length > 0) {
  console.error(`scripts/run-tests.mjs: LONGEST_FIRST names no integration test file: ${stale.join(', ')}`);
  process.exit(2);
}
const rank = (file) => (LONGEST_FIRST.includes(file) ? LONGEST_FIRST.indexOf(file) : LONGEST_FIRST.length);
integration.sort((a, b) => rank(a) - rank(b));

/** Runs `node --test` on files; resolves to its exit status and, when `capture`, its output. */
function nodeTest(files, capture) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...files], {
      cwd: root,
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let output = '';
    if (capture) {
      child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    }
    child.on('close', (code, signal) => resolve({ status: code ?? (signal ? 1 : 0), output }));
  });
}

/** The integration files, INTEGRATION_CONCURRENCY at a time; each file's output printed whole when it ends. */
async function runIntegration() {
  const queue = [...integration];
  const results = [];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const started = Date.now();
      const { status, output } = await nodeTest([file], true);
      const seconds = Math.round((Date.now() - started) / 1000);
      results.push({ file, status, seconds });
      process.stdout.write(`# ==== ${file}: ${status === 0 ? 'passed' : `FAILED (exit ${status})`} in ${seconds} s\n${output}`);
    }
  };
  await Promise.all(Array.from({ length: INTEGRATION_CONCURRENCY }, worker));
  console.log('# ==== integration files (seconds, run three at a time):');
  for (const { file, status, seconds } of results.sort((a, b) => b.seconds - a.seconds)) {
    console.log(`#   ${String(seconds).padStart(4)}  ${status === 0 ? 'passed' : 'FAILED'}  ${file}`);
  }
  return results.every((r) => r.status === 0) ? 0 : 1;
}

let status = 0;
if (kind !== 'integration') {
  status = (await nodeTest(unit, false)).status;
}
if (kind !== 'unit') {
  status = (await runIntegration()) || status;
}
process.exit(status);
