// Runs the exporter's tests with Node's built-in runner through tsx.
// Node 20's --test takes no glob patterns, so the files are listed here.
//   node scripts/run-tests.mjs              every *.test.ts under test/
//   node scripts/run-tests.mjs unit         only unit tests (no *.integration.test.ts)
//   node scripts/run-tests.mjs integration  only *.integration.test.ts
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const kind = process.argv[2] ?? 'all';
if (!['all', 'unit', 'integration'].includes(kind)) {
  console.error(`unknown test selection "${kind}": use all, unit or integration`);
  process.exit(2);
}

const files = readdirSync(join(root, 'test'), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
  .map((entry) => relative(root, join(entry.parentPath ?? entry.path, entry.name)))
  .filter((file) => {
    const integration = file.endsWith('.integration.test.ts');
    return kind === 'all' || (kind === 'integration') === integration;
  })
  .sort();

// Integration tests start daemons and servers; one file at a time keeps the
// 2-core machine from timing them out.
const concurrency = kind === 'unit' ? [] : ['--test-concurrency=1'];
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...concurrency, ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
