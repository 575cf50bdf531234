// The client against a libvirtd that this test owns (test/support/libvirt-daemon.ts,
// scripts/libvirt/start.sh --private): many domains, the
// permission errors an ordinary user meets, a call that times out, and the
// daemon killed mid-call.

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { LibvirtClient } from '../../src/libvirt/client.js';
import { DomainState, GetAllDomainStatsFlag } from '../../src/libvirt/constants.js';
import { CallTimeoutError, ConnectFailedError, ConnectionClosedError } from '../../src/libvirt/errors.js';
import { readableBundle } from '../support/readable-bundle.js';
import { PrivateLibvirtd } from '../support/libvirt-daemon.js';

const URI = 'test:///default';
const NOBODY = 65534;
let daemon: PrivateLibvirtd;

before(async () => {
  daemon = await PrivateLibvirtd.start();
});

after(async () => {
  await daemon?.stop();
});

async function listNames(client: LibvirtClient): Promise<string[]> {
  return (await client.listAllDomains()).map((d) => d.name);
}

describe('many domains (test driver node XML)', () => {
  test('300 domains: listAllDomains and getAllDomainStats return each one, as virsh does', async () => {
    const nodeXml = path.join(daemon.dir, 'node.xml');
    const domains = Array.from({ length: 300 }, (_, i) => ({
      name: `vm-${String(i).padStart(3, '0')}`,
      uuid: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    }));
    writeFileSync(
      nodeXml,
      `<node>\n${domains
        .map(
          (d) =>
            `<domain type='test'><name>${d.name}</name><uuid>${d.uuid}</uuid><memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`
        )
        .join('\n')}\n</node>\n`
    );
    chmodSync(nodeXml, 0o644);
    const client = await LibvirtClient.connect({ socketPath: daemon.socket, uri: `test://${nodeXml}` });
    const listed = await client.listAllDomains();
    assert.deepEqual(
      listed.map(({ name, uuid }) => ({ name, uuid })).sort((a, b) => a.name.localeCompare(b.name)),
      domains
    );
    const records = await client.getAllDomainStats(0, GetAllDomainStatsFlag.NOWAIT);
    assert.deepEqual(
      records.map((r) => r.domain.name).sort(),
      domains.map((d) => d.name)
    );
    assert.ok(records.every((r) => r.params.get('state.state') === DomainState.RUNNING));
    const virshNames = execFileSync(
      'virsh',
      ['-c', `test+unix://${nodeXml}?socket=${daemon.socket}`, 'list', '--all', '--name'],
      { encoding: 'utf8' }
    );
    assert.deepEqual(
      virshNames.split('\n').filter(Boolean).sort(),
      domains.map((d) => d.name)
    );
    await client.close();
  });
});

describe('failures', () => {
  test('an ordinary user: the root-only socket is EACCES with advice, the read-only socket works', async () => {
    // Bundled: nobody may not be able to read the checkout (a clone in a 0700 folder).
    const probe = readableBundle('test/libvirt/connect-probe.ts');
    const probeAs = async (socketPath: string) => {
      const { stdout } = await promisify(execFile)(process.execPath, [probe, socketPath], {
        uid: NOBODY,
        gid: NOBODY,
      });
      return JSON.parse(stdout) as { name: string; code?: string; message: string; domains?: string[] };
    };

    const denied = await probeAs(daemon.socket);
    assert.equal(denied.name, 'PermissionDeniedError');
    assert.equal(denied.code, 'EACCES');
    assert.match(denied.message, /permission denied connecting to libvirt socket .*libvirt-sock:/);
    assert.match(denied.message, /\/run\/libvirt\/libvirt-sock-ro/);
    assert.match(denied.message, /libvirt group/);

    const readOnly = await probeAs(daemon.socketRo);
    assert.equal(readOnly.name, 'connected', readOnly.message);
    assert.deepEqual(readOnly.domains, ['test']);
  });

  test('a call that gets no reply times out; the connection works again once the daemon answers', async () => {
    const client = await LibvirtClient.connect({ socketPath: daemon.socket, uri: URI, callTimeoutMs: 500 });
    await daemon.freeze();
    try {
      await assert.rejects(client.listAllDomains(), (error: unknown) => {
        assert.ok(error instanceof CallTimeoutError);
        assert.equal(error.procedure, 'CONNECT_LIST_ALL_DOMAINS');
        return true;
      });
    } finally {
      daemon.thaw();
    }
    // The late reply to the timed-out call arrives first and must be ignored. A thawed
    // daemon on a loaded host may take longer than the 500 ms to answer: asked again then.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        assert.deepEqual(await listNames(client), ['test']);
        break;
      } catch (error) {
        if (!(error instanceof CallTimeoutError) || Date.now() > deadline) {
          throw error;
        }
      }
    }
    await client.close();
  });

  test('libvirtd killed mid-call: the pending call rejects, close is emitted with an error; a restarted daemon accepts a new client', async () => {
    const client = await LibvirtClient.connect({ socketPath: daemon.socket, uri: URI });
    const closed = once(client, 'close');
    await daemon.freeze(); // hold the next call in flight
    const pendingRejected = assert.rejects(client.getAllDomainStats(0, 0), (error: unknown) => {
      assert.ok(error instanceof ConnectionClosedError);
      assert.match(error.message, /closed before CONNECT_GET_ALL_DOMAIN_STATS was answered/);
      return true;
    });
    await daemon.kill();
    await pendingRejected;
    const [reason] = await closed;
    assert.ok(reason instanceof Error);
    assert.equal(client.closed, true);
    await assert.rejects(client.getHostname(), ConnectionClosedError);
    await client.close(); // harmless on a dead connection

    // SIGKILL leaves the socket file behind: connecting is refused, not ENOENT.
    await assert.rejects(LibvirtClient.connect({ socketPath: daemon.socket, uri: URI }), (error: unknown) => {
      assert.ok(error instanceof ConnectFailedError);
      assert.equal(error.code, 'ECONNREFUSED');
      assert.match(error.message, /nothing accepts connections at .*libvirt-sock: is libvirtd running\?/);
      return true;
    });

    await daemon.restart();
    const again = await LibvirtClient.connect({ socketPath: daemon.socket, uri: URI });
    assert.deepEqual(await listNames(again), ['test']);
    await again.close();
  });
});
