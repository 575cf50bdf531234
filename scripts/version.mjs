#!/usr/bin/env node
// The release version lives in one place: "version" of the root package.json.
// Everything else that names it is derived from there by `sync` and verified
// by `check` (a Go test in packaging/ runs `check`):
//   package-lock.json, exporter/package.json, exporter/package-lock.json  npm's copies
//   exporter/src/version.ts         what `vm-telemetry-exporter --version` prints
//                                   (a module, not a package.json read, so the
//                                   single executable carries it too)
//   exporter/Dockerfile             LABEL org.opencontainers.image.version
// and, checked only: CHANGELOG.md has a "## <version>" section; src/plugin.json
// keeps "%VERSION%", which the frontend build fills from package.json, as the
// SDK's build targets do for the backend (`gpx_vmtelemetry --version`).
//
//   node scripts/version.mjs          prints the version
//   node scripts/version.mjs check    exit 1 naming every place that disagrees
//   node scripts/version.mjs sync     writes the version into the derived places
// `npm version X.Y.Z` runs `sync` through the "version" script of package.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file) => readFileSync(root + file, 'utf8');
const version = JSON.parse(read('package.json')).version;
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
  console.error(`package.json: version "${version}" is not semantic (X.Y.Z or X.Y.Z-pre)`);
  process.exit(1);
}

// Each derived place: how to read the version it holds, how to write one.
const jsonPlace = (file, paths) => ({
  file,
  get: () => {
    const data = JSON.parse(read(file));
    const found = new Set(paths.map((path) => path.reduce((node, key) => node?.[key], data)));
    return found.size === 1 ? [...found][0] : [...found].join(' / ');
  },
  set: (v) => {
    const data = JSON.parse(read(file));
    for (const path of paths) path.slice(0, -1).reduce((node, key) => node[key], data)[path.at(-1)] = v;
    writeFileSync(root + file, JSON.stringify(data, null, 2) + '\n');
  },
});
const linePlace = (file, pattern, line) => ({
  file,
  get: () => pattern.exec(read(file))?.[1],
  set: (v) => {
    const text = read(file);
    if (!pattern.test(text)) throw new Error(`${file}: no line matching ${pattern} to update`);
    writeFileSync(root + file, text.replace(pattern, line(v)));
  },
});

const lockPaths = [['version'], ['packages', '', 'version']];
const derived = [
  jsonPlace('package-lock.json', lockPaths),
  jsonPlace('exporter/package.json', [['version']]),
  jsonPlace('exporter/package-lock.json', lockPaths),
  linePlace('exporter/src/version.ts', /^export const VERSION = '([^']*)';$/m, (v) => `export const VERSION = '${v}';`),
  linePlace(
    'exporter/Dockerfile',
    /^LABEL org\.opencontainers\.image\.version="([^"]*)"$/m,
    (v) => `LABEL org.opencontainers.image.version="${v}"`
  ),
];

const command = process.argv[2];
if (command === undefined) {
  console.log(version);
} else if (command === 'sync') {
  for (const place of derived) if (place.get() !== version) place.set(version);
} else if (command === 'check') {
  const problems = derived
    .filter((place) => place.get() !== version)
    .map((place) => `${place.file}: version ${place.get() ?? '(none)'}, package.json says ${version} (run: node scripts/version.mjs sync)`);
  const heading = new RegExp(`^## ${version.replaceAll('.', '\\.')}( |$)`, 'm');
  if (!heading.test(read('CHANGELOG.md'))) problems.push(`CHANGELOG.md: no "## ${version}" section`);
  const pluginVersion = JSON.parse(read('src/plugin.json')).info?.version;
  if (pluginVersion !== '%VERSION%') {
    problems.push(`src/plugin.json: info.version is "${pluginVersion}"; keep "%VERSION%" (the build fills it from package.json)`);
  }
  for (const problem of problems) console.error(problem);
  process.exit(problems.length ? 1 : 0);
} else {
  console.error('usage: node scripts/version.mjs [check|sync]');
  process.exit(2);
}
