// The client against a real libvirtd that this test starts and owns
// (private-libvirtd.ts): TCP, TLS, permission denied, a call that times out,
// and the daemon killed mid-call.

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LibvirtClient } from '../../src/libvirt/client.js';
import { DomainState, DomainStatsGroup, GetAllDomainStatsFlag } from '../../src/libvirt/constants.js';
import { CallTimeoutError, ConnectFailedError, ConnectionClosedError } from '../../src/libvirt/errors.js';
import { RpcConnection } from '../../src/libvirt/connection.js';
import { encodeMessage, MessageStatus, MessageType, REMOTE_PROGRAM } from '../../src/libvirt/framing.js';
import {
  decodeConnectListAllDomainsRet,
  encodeConnectListAllDomainsArgs,
  encodeConnectOpenArgs,
  Procedure,
} from '../../src/libvirt/procedures.js';
import { BufferWriter } from '../../src/libvirt/xdr/buffer-writer.js';
import { PrivateLibvirtd } from './private-libvirtd.js';

const URI = 'test:///default';
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

describe('transports', () => {
  test('unix socket', async () => {
    const client = await LibvirtClient.connect({ socketPath: daemon.socketPath, uri: URI });
    assert.deepEqual(await listNames(client), ['test']);
    await client.close();
  });

  test('plain TCP', async () => {
    const client = await LibvirtClient.connect({ host: '127.0.0.1', port: daemon.tcpPort, uri: URI });
    assert.deepEqual(await listNames(client), ['test']);
    const [record] = await client.getAllDomainStats(DomainStatsGroup.STATE, 0);
    assert.equal(record!.params.get('state.state'), 1);
    await client.close();
  });

  test('TLS with CA, client certificate and key; libvirtd verifies both sides', async () => {
    const { ca, cert, key } = daemon.tls;
    const client = await LibvirtClient.connect({
      host: '127.0.0.1',
      port: daemon.tlsPort,
      tls: { ca, cert, key, servername: 'localhost' },
      uri: URI,
    });
    assert.deepEqual(await listNames(client), ['test']);
    assert.match(await client.domainGetXMLDesc((await client.listAllDomains())[0]!), /<name>test<\/name>/);
    await client.close();
  });

  test('TLS against a daemon whose certificate our CA did not sign', async () => {
    const { otherCa, cert, key } = daemon.tls;
    await assert.rejects(
      LibvirtClient.connect({
        host: '127.0.0.1',
        port: daemon.tlsPort,
        tls: { ca: otherCa, cert, key, servername: 'localhost' },
        uri: URI,
      }),
      (error: unknown) => {
        assert.ok(error instanceof ConnectFailedError);
        assert.match(error.message, /cannot connect to libvirt at 127\.0\.0\.1:\d+ \(TLS\)/);
        return true;
      }
    );
  });

  test('TLS without a client certificate: libvirtd drops us, and we say why', async () => {
    await assert.rejects(
      LibvirtClient.connect({
        host: '127.0.0.1',
        port: daemon.tlsPort,
        tls: { ca: daemon.tls.ca, servername: 'localhost' },
        uri: URI,
      }),
      (error: unknown) => {
        assert.ok(error instanceof ConnectFailedError);
        assert.match(error.message, /client certificate/);
        return true;
      }
    );
  });
});

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
    const client = await LibvirtClient.connect({ socketPath: daemon.socketPath, uri: `test://${nodeXml}` });
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
      ['-c', `test+unix://${nodeXml}?socket=${daemon.socketPath}`, 'list', '--all', '--name'],
      { encoding: 'utf8' }
    );
    assert.deepEqual(
      virshNames.split('\n').filter(Boolean).sort(),
      domains.map((d) => d.name)
    );
    await client.close();
  });
});

describe('keepalive', () => {
  const REMOTE_PROC_CONNECT_SUPPORTS_FEATURE = 60;
  const VIR_DRV_FEATURE_PROGRAM_KEEPALIVE = 10;
  const askForKeepalive = new BufferWriter().writeInt(VIR_DRV_FEATURE_PROGRAM_KEEPALIVE).toBuffer();
  const frame = (procedure: number, serial: number, payload?: Buffer) =>
    encodeMessage(
      { program: REMOTE_PROGRAM, version: 1, procedure, type: MessageType.CALL, serial, status: MessageStatus.OK },
      payload
    );

  test(
    'a peer that never answers PINGs is dropped by libvirtd (the baseline for the next test)',
    { timeout: 60_000 },
    async () => {
      const socket = net.createConnection({ path: daemon.socketPath });
      socket.on('data', () => {}); // read and ignore everything, PINGs included
      await once(socket, 'connect');
      socket.write(frame(Procedure.AUTH_LIST, 1));
      socket.write(frame(Procedure.CONNECT_OPEN, 2, encodeConnectOpenArgs(URI, 0)));
      socket.write(frame(REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, 3, askForKeepalive));
      await once(socket, 'close');
    }
  );

  test("our client answers libvirtd's PINGs, so the daemon keeps it", async () => {
    const connection = await RpcConnection.open({ socketPath: daemon.socketPath });
    await connection.call(Procedure.AUTH_LIST);
    await connection.call(Procedure.CONNECT_OPEN, encodeConnectOpenArgs(URI, 0));
    const reply = await connection.call(REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, askForKeepalive);
    assert.equal(reply.readInt32BE(0), 1, 'libvirtd supports keepalive');
    // Several PING intervals: without PONGs the daemon would have dropped us (previous test).
    await new Promise((resolve) => setTimeout(resolve, 5000));
    assert.equal(connection.closed, false);
    const domains = decodeConnectListAllDomainsRet(
      await connection.call(Procedure.CONNECT_LIST_ALL_DOMAINS, encodeConnectListAllDomainsArgs(0))
    );
    assert.deepEqual(
      domains.map((d) => d.name),
      ['test']
    );
    await connection.close();
  });
});

describe('failures', () => {
  test('permission denied on the socket suggests the read-only socket or the libvirt group', async () => {
    // The daemon's socket is nobody's, mode 0700. Root without CAP_DAC_OVERRIDE
    // gets the EACCES an ordinary user gets from a root-only socket.
    const probe = fileURLToPath(new URL('./connect-probe.ts', import.meta.url));
    const loaderArgs = process.execArgv.filter((arg) => !arg.startsWith('--test'));
    const { stdout } = await promisify(execFile)('setpriv', [
      '--bounding-set=-all',
      '--inh-caps=-all',
      process.execPath,
      ...loaderArgs,
      probe,
      daemon.socketPath,
    ]);
    const result = JSON.parse(stdout) as { name: string; code: string; message: string };
    assert.equal(result.name, 'PermissionDeniedError');
    assert.equal(result.code, 'EACCES');
    assert.match(result.message, /permission denied connecting to libvirt socket .*libvirt-sock/);
    assert.match(result.message, /\/run\/libvirt\/libvirt-sock-ro/);
    assert.match(result.message, /libvirt group/);
  });

  test('a call that gets no reply times out; the connection works again once the daemon answers', async () => {
    const client = await LibvirtClient.connect({ socketPath: daemon.socketPath, uri: URI, callTimeoutMs: 500 });
    daemon.signal('SIGSTOP');
    try {
      await assert.rejects(client.listAllDomains(), (error: unknown) => {
        assert.ok(error instanceof CallTimeoutError);
        assert.equal(error.procedure, 'CONNECT_LIST_ALL_DOMAINS');
        return true;
      });
    } finally {
      daemon.signal('SIGCONT');
    }
    // The late reply to the timed-out call arrives first and must be ignored.
    assert.deepEqual(await listNames(client), ['test']);
    await client.close();
  });

  test('libvirtd killed mid-call: the pending call rejects, close is emitted with an error; a restarted daemon accepts a new client', async () => {
    const client = await LibvirtClient.connect({ socketPath: daemon.socketPath, uri: URI });
    const closed = once(client, 'close');
    daemon.signal('SIGSTOP'); // hold the next call in flight
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
    await assert.rejects(LibvirtClient.connect({ socketPath: daemon.socketPath, uri: URI }), (error: unknown) => {
      assert.ok(error instanceof ConnectFailedError);
      assert.equal(error.code, 'ECONNREFUSED');
      assert.match(error.message, /nothing accepts connections at .*libvirt-sock: is libvirtd running\?/);
      return true;
    });

    await daemon.launch();
    const again = await LibvirtClient.connect({ socketPath: daemon.socketPath, uri: URI });
    assert.deepEqual(await listNames(again), ['test']);
    await again.close();
  });
});
