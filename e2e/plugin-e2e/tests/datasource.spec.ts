import { expect, test } from '@grafana/plugin-e2e';

// The provisioned data source (provisioning/datasources/vm-telemetry.yaml) as
// Grafana loaded it: its config page opens, and "Save & test" reaches the
// backend's health check against the compose InfluxDB.
test('the provisioned data source passes Save & test', async ({ readProvisionedDataSource, gotoDataSourceConfigPage }) => {
  const ds = await readProvisionedDataSource({ fileName: 'vm-telemetry.yaml' });
  const configPage = await gotoDataSourceConfigPage(ds.uid);
  await expect(configPage.saveAndTest()).toBeOK();
});

test('the query editor lists the VMs of the vms resource', async ({ panelEditPage, readProvisionedDataSource, page }) => {
  const ds = await readProvisionedDataSource({ fileName: 'vm-telemetry.yaml' });
  await panelEditPage.datasource.set(ds.name);
  const vms = await page.request.get(`/api/datasources/uid/${ds.uid}/resources/vms`);
  await expect(vms).toBeOK();
  const answer = (await vms.json()) as { vms: Array<{ name: string }> };
  expect(answer.vms.length).toBeGreaterThan(0);
  await expect(panelEditPage.refreshPanel()).toBeOK();
});
