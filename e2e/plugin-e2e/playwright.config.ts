// Playwright configuration of the @grafana/plugin-e2e suite, after the one
// @grafana/create-plugin generates: an auth project logs in once (admin user
// from GRAFANA_ADMIN_USER / GRAFANA_ADMIN_PASSWORD, default admin/admin) and
// the tests reuse its session. CHROMIUM points at a system browser where
// Playwright's own browsers cannot be downloaded.
import { dirname } from 'node:path';
import { defineConfig, devices } from '@playwright/test';
import type { PluginOptions } from '@grafana/plugin-e2e';

const pluginE2eAuth = `${dirname(require.resolve('@grafana/plugin-e2e'))}/auth`;

export default defineConfig<PluginOptions>({
  testDir: './tests',
  fullyParallel: false,
  retries: 0,
  reporter: 'list',
  use: {
    baseURL: process.env.GRAFANA_URL,
    trace: 'retain-on-failure',
    grafanaAPICredentials: {
      user: process.env.GRAFANA_ADMIN_USER ?? 'admin',
      password: process.env.GRAFANA_ADMIN_PASSWORD ?? 'admin',
    },
    // The suite reads provisioning/ of the repository (two levels up).
    provisioningRootDir: '../../provisioning',
    launchOptions: process.env.CHROMIUM ? { executablePath: process.env.CHROMIUM } : {},
  },
  projects: [
    { name: 'auth', testDir: pluginE2eAuth, testMatch: [/.*\.js/] },
    {
      name: 'run-tests',
      use: { ...devices['Desktop Chrome'], storageState: 'playwright/.auth/admin.json' },
      dependencies: ['auth'],
    },
  ],
});
