// Lifecycle events end to end on the exporter side: a real libvirtd (test
// driver) changed with virsh, the exporter CLI registered for its events on
// the read-only socket, each event read back from a real InfluxDB; then
// libvirtd killed and restarted, and what changed meanwhile reconciled.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { eventually, ExporterProcess, metricValue } from './support/exporter-process.js';
import { influxQL, type InfluxServer } from './support/influx-server.js';
import type { PrivateLibvirtd } from './support/libvirt-daemon.js';
import { startTestDriverStack } from './support/test-driver-stack.js';

const execFileAsync = promisify(execFile);

async function virsh(libvirtd: PrivateLibvirtd, ...args: string[]): Promise<void> {
  await execFileAsync('virsh', ['-q', '-c', libvirtd.uri, ...args], { timeout: 60_000 });
}

interface StoredEvent {
  time: number;
  vm: string;
  event: string;
  source: string;
  detail: string | null;
}

async function storedEvents(influx: InfluxServer): Promise<StoredEvent[]> {
  const series = await influxQL(influx, `SELECT "vm", "event", "source", "detail" FROM "vm_event" WHERE "host" = 'hv-events'`);
  return (series[0]?.values ?? []).map(([time, vm, event, source, detail]) => ({
    time: time as number,
    vm: vm as string,
    event: event as string,
    source: source as string,
    detail: detail as string | null,
  }));
}

describe('lifecycle events from the exporter', { timeout: 10 * 60_000 }, () => {
  test('each libvirt event is stored in vm_event; after libvirtd restarts, what changed is reconciled', async (t) => {
    const stack = await startTestDriverStack(t, '1.8');
    if (!stack) {
      return;
    }
    const { libvirtd, influx } = stack;
    const exporter = ExporterProcess.start(t, [
      ...stack.exporterArgs,
      '--influx-api', 'v1',
      '--influx-database', influx.database,
      '--host', 'hv-events',
      '--listen', '127.0.0.1:0',
    ]);
    const base = await exporter.httpBase();
    await eventually('a round', async () => ((await metricValue(base, 'vmt_samples_collected_total')) >= 1 ? true : undefined));

    const xml = join(libvirtd.dir, 'events-a.xml');
    writeFileSync(xml, `<domain type='test'><name>events-a</name><memory>65536</memory><os><type>hvm</type></os></domain>`);
    const actions: Array<[string[], string, string]> = [
      [['define', xml], 'defined', 'added'],
      [['start', 'events-a'], 'started', 'booted'],
      [['suspend', 'events-a'], 'suspended', 'paused'],
      [['resume', 'events-a'], 'resumed', 'unpaused'],
      [['destroy', 'events-a'], 'stopped', 'destroyed'],
      [['undefine', 'events-a'], 'undefined', 'removed'],
    ];
    const latencies: number[] = [];
    for (const [args, event, detail] of actions) {
      const done = Date.now();
      await virsh(libvirtd, ...args);
      const stored: StoredEvent = await eventually(`${event} of events-a in InfluxDB`, async (): Promise<StoredEvent | undefined> =>
        (await storedEvents(influx)).find((e) => e.vm === 'events-a' && e.event === event)
      );
      latencies.push(Date.now() - done);
      assert.deepEqual({ ...stored, time: 0 }, { time: 0, vm: 'events-a', event, source: 'libvirt', detail });
    }
    t.diagnostic(`action → row readable in InfluxDB, ms: ${latencies.join(', ')}`);

    // Before the outage: events-b defined, test destroyed. libvirtd is then
    // killed; the test driver starts again from its default state (test
    // running, no events-b), which nobody announces.
    writeFileSync(xml, `<domain type='test'><name>events-b</name><memory>65536</memory><os><type>hvm</type></os></domain>`);
    await virsh(libvirtd, 'define', xml);
    await virsh(libvirtd, 'destroy', 'test');
    await eventually('stopped of test', async () => (await storedEvents(influx)).find((e) => e.vm === 'test' && e.event === 'stopped'));
    await libvirtd.kill();
    await eventually('the exporter to notice', async () => (exporter.count('libvirt connection lost; reconnecting') ? true : undefined));
    await libvirtd.restart();
    const reconciled = await eventually('reconciled events', async () => {
      const events = (await storedEvents(influx)).filter((e) => e.source === 'reconciled');
      return events.length >= 2 ? events : undefined;
    });
    assert.deepEqual(
      reconciled.map((e) => [e.vm, e.event, e.detail]),
      [
        // The test driver's default domain runs with reason 'unknown' (virsh domstate --reason).
        ['test', 'started', 'unknown'],
        ['events-b', 'undefined', 'removed'],
      ]
    );
    assert.equal(await metricValue(base, 'vmt_domain_events_total{source="reconciled"}'), 2);

    // The new connection is registered again: live events flow.
    await virsh(libvirtd, 'suspend', 'test');
    const suspended: StoredEvent = await eventually('suspended of test', async (): Promise<StoredEvent | undefined> =>
      (await storedEvents(influx)).find((e) => e.vm === 'test' && e.event === 'suspended')
    );
    assert.equal(suspended.source, 'libvirt');
    const times = (await storedEvents(influx)).map((e) => e.time);
    assert.equal(new Set(times).size, times.length, 'no two events share a timestamp');
  });
});
