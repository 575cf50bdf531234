// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const grafanaConfig = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');

// ESM-only packages that @grafana/* 13.2 require, beyond the scaffolded list.
const moreESModules = [
  '@codemirror',
  '@grafana/react-data-grid',
  '@leeoniya',
  '@lezer',
  '@marijn',
  '@react-hookz',
  '@tanstack',
  '@uiw',
  '@ver0',
  'codemirror',
  'compute-scroll-into-view',
  'crelt',
  'date-fns',
  'marked-mangle',
  'nanoid',
  'react-loading-skeleton',
  'style-mod',
  'stylis',
  'uwrap',
  'w3c-keyname',
  'web-vitals',
  'zod',
];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...grafanaConfig,
  transform: {
    ...grafanaConfig.transform,
    // @grafana/data 13 requires ESM-only .mjs files (d3-interpolate); the
    // scaffolded transform matches only .js/.ts, so .mjs gets the same SWC.
    '^.+\\.mjs$': grafanaConfig.transform['^.+\\.(t|j)sx?$'],
  },
  // Typing through user-event in a jsdom with @grafana/ui is slow on a busy
  // 2-core machine (a react-select test took 93 s at load average 25); this
  // bounds a test, it does not time it.
  testTimeout: 120000,
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, ...moreESModules])],
};
