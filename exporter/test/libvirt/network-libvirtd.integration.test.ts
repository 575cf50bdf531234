// The client over the network against a real libvirtd that this test starts
// and owns (network-libvirtd.ts): plain TCP, TLS with certificates checked on
// both sides, and keepalive.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { LibvirtClient } from '../../src/libvirt/client.js';
import { RpcConnection } from '../../src/libvirt/connection.js';
import { DomainStatsGroup } from '../../src/libvirt/constants.js';
import { ConnectFailedError } from '../../src/libvirt/errors.js';
import { encodeMessage, MessageStatus, MessageType, REMOTE_PROGRAM } from '../../src/libvirt/framing.js';
import {
  decodeConnectListAllDomainsRet,
  encodeConnectListAllDomainsArgs,
  encodeConnectOpenArgs,
  Procedure,
} from '../../src/libvirt/procedures.js';
import { BufferWriter } from '../../src/libvirt/xdr/buffer-writer.js';
import { NetworkLibvirtd } from './network-libvirtd.js';

const URI = 'test:///default';
let daemon: NetworkLibvirtd;

before(async () => {
  daemon = await NetworkLibvirtd.start();
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
    // Longer than the daemon waits for PONGs (5 PINGs a second apart): without them it
    // would have dropped us (previous test).
    await new Promise((resolve) => setTimeout(resolve, 10_000));
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
