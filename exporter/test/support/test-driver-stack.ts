// What the exporter's end-to-end tests run it against when no QEMU guest is
// needed: a private libvirtd with the test driver (one running VM, "test") and
// a real InfluxDB server, started side by side and stopped when the test ends.

import type { TestContext } from 'node:test';
import { startInflux, type InfluxServer, type InfluxVersion } from './influx-server.js';
import { startPrivateLibvirtd, type PrivateLibvirtd } from './libvirt-daemon.js';

export interface TestDriverStack {
  libvirtd: PrivateLibvirtd;
  influx: InfluxServer;
  /** The exporter's options for both: the test driver over the read-only socket, the server's URL. */
  exporterArgs: string[];
}

/** Both started, or undefined when either cannot start here (the test is skipped; under CI=true it fails). */
export async function startTestDriverStack(t: TestContext, version: InfluxVersion): Promise<TestDriverStack | undefined> {
  const [libvirtd, influx] = await Promise.all([startPrivateLibvirtd(t), startInflux(t, version)]);
  if (!libvirtd || !influx) {
    return undefined;
  }
  const exporterArgs = ['--libvirt-socket', libvirtd.socketRo, '--libvirt-uri', 'test:///default', '--influx-url', influx.url];
  return { libvirtd, influx, exporterArgs };
}
