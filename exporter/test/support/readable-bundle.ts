// A TypeScript entry point of the exporter made runnable by a user who may not
// read the checkout: a clone in a 0700 folder (what `mktemp -d` makes) hides
// src/ and node_modules/ from everyone but its owner, so `node --import tsx`
// run as nobody fails with ERR_MODULE_NOT_FOUND. The entry point and all it
// imports are bundled into one file in a world-readable folder of its own,
// removed when the test process exits. The folder has the installed
// package's layout (dist/src/*.js beside ../../package.json), where the CLI
// reads its version.

import { buildSync } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const exporterRoot = fileURLToPath(new URL('../../', import.meta.url));
const bundles = new Map<string, string>();
let folder: string | undefined;

/** Path of a bundle of `entry` (relative to exporter/) that every user can run with plain `node`. */
export function readableBundle(entry: string): string {
  const existing = bundles.get(entry);
  if (existing) {
    return existing;
  }
  if (folder === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'vmt-exporter-bundle-'));
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    chmodSync(made, 0o755);
    mkdirSync(join(made, 'dist/src'), { recursive: true, mode: 0o755 });
    copyFileSync(join(exporterRoot, 'package.json'), join(made, 'package.json'));
    chmodSync(join(made, 'package.json'), 0o644);
    folder = made;
  }
  const outfile = join(folder, 'dist/src', `${basename(entry).replace(/\.m?ts$/, '')}.mjs`);
  buildSync({
    entryPoints: [join(exporterRoot, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // CommonJS dependencies call require(), which an ES module lacks.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  chmodSync(outfile, 0o644);
  bundles.set(entry, outfile);
  return outfile;
}
