// A TypeScript entry point of the exporter made runnable by a user who may not
// read the checkout: a clone in a 0700 folder (what `mktemp -d` makes) hides
// src/ and node_modules/ from everyone but its owner, so `node --import tsx`
// run as nobody fails with ERR_MODULE_NOT_FOUND. The entry point and all it
// imports are bundled into one file in a world-readable folder of its own,
// removed when the test process exits.

import { buildSync } from 'esbuild';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const exporterRoot = fileURLToPath(new URL('../../', import.meta.url));
const bundles = new Map<string, string>();
let folder: string | undefined;

/** Path of a bundle of `entry` (relative to exporter/) that every user can run with plain `node`. */
export function readableBundle(entry: string): string {
  const made = bundles.get(entry);
  if (made) return made;
  if (folder === undefined) {
    folder = mkdtempSync(join(tmpdir(), 'vmt-exporter-bundle-'));
    chmodSync(folder, 0o755);
    const remove = folder;
    process.once('exit', () => rmSync(remove, { recursive: true, force: true }));
  }
  const outfile = join(folder, `${basename(entry).replace(/\.m?ts$/, '')}.mjs`);
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
