import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

// Node release lines under LTS support now (Node 20's ended in April 2026).
const SUPPORTED_LTS = [22, 24];

test('the image runs a supported Node LTS, and engines asks for one', () => {
  const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
  const majors = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
  assert.ok(majors.length > 0, 'FROM node:N lines');
  for (const major of majors) {
    assert.ok(SUPPORTED_LTS.includes(major), `node:${major} is not a supported LTS`);
  }
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
  const floor = Number(/^>=(\d+)/.exec(pkg.engines.node)?.[1]);
  assert.ok(SUPPORTED_LTS.includes(floor), `engines ${pkg.engines.node} starts at a supported LTS`);
  for (const major of majors) {
    assert.ok(major >= floor, `the image's Node ${major} satisfies engines ${pkg.engines.node}`);
  }
});
