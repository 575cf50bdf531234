import { expect, test } from '@grafana/plugin-e2e';

// The provisioned dashboard (uid vm-telemetry) renders its panels from the
// data source without an error.
test('the provisioned dashboard shows its panels without errors', async ({ gotoDashboardPage, readProvisionedDashboard, page }) => {
  const dashboard = await readProvisionedDashboard({ fileName: 'vm-telemetry.json' });
  const dashboardPage = await gotoDashboardPage(dashboard);
  await expect(page.getByText('CPU usage').first()).toBeVisible();
  await expect(dashboardPage.getByGrafanaSelector('data-testid Panel status error')).toHaveCount(0);
});

test('the provisioned alert rules are loaded', async ({ page }) => {
  const rules = await page.request.get('/api/v1/provisioning/alert-rules');
  await expect(rules).toBeOK();
  const uids = ((await rules.json()) as Array<{ uid: string }>).map((r) => r.uid);
  expect(uids).toEqual(expect.arrayContaining(['vmt-cpu-rate-rising', 'vmt-memory-rate-rising', 'vmt-cpu-usage-high']));
});
