// Connection-layer behaviour against a scripted peer (fake-daemon.ts). The
// same paths against the real libvirtd are in libvirtd.integration.test.ts.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { LibvirtClient } from '../../src/libvirt/client.js';
import { RpcConnection } from '../../src/libvirt/connection.js';
import {
  AuthenticationError,
  CallTimeoutError,
  ConnectionClosedError,
  LibvirtError,
  ProtocolError,
} from '../../src/libvirt/errors.js';
import { KEEPALIVE_PROGRAM, MessageType, REMOTE_PROGRAM, type Message } from '../../src/libvirt/framing.js';
import { AuthType, Procedure } from '../../src/libvirt/procedures.js';
import { BufferWriter } from '../../src/libvirt/xdr/buffer-writer.js';
import { capturedPayload } from './fixtures/replies.js';
import { startFakeDaemon, type PeerSocket } from './fake-daemon.js';

const uint = (value: number) => new BufferWriter().writeUint(value).toBuffer();
const authList = (...types: number[]) => new BufferWriter().writeArray(types, (w, t) => w.writeInt(t)).toBuffer();

describe('RpcConnection', () => {
  test('replies are matched to calls by serial, whatever order they come in', async () => {
    const held: Array<[Message, PeerSocket]> = [];
    const daemon = await startFakeDaemon((message, peer) => {
      held.push([message, peer]);
      if (held.length === 3) {
        // Answer in reverse order, each with its own serial as payload.
        for (const [m, p] of held.reverse()) {
          p.reply(m.header, uint(m.header.serial * 100));
        }
      }
    });
    const connection = await RpcConnection.open({ socketPath: daemon.socketPath });
    const replies = await Promise.all([connection.call(4), connection.call(4), connection.call(4)]);
    assert.deepEqual(
      replies.map((r) => r.readUInt32BE(0)),
      [100, 200, 300]
    );
    assert.deepEqual(
      daemon.received.map((m) => [m.header.program, m.header.type, m.header.serial]),
      [
        [REMOTE_PROGRAM, MessageType.CALL, 1],
        [REMOTE_PROGRAM, MessageType.CALL, 2],
        [REMOTE_PROGRAM, MessageType.CALL, 3],
      ]
    );
    await connection.close();
    await daemon.stop();
  });

  test('a call without a reply times out; its late reply is discarded and the connection stays usable', async () => {
    let first: [Message, PeerSocket] | undefined;
    const daemon = await startFakeDaemon((message, peer) => {
      if (!first) {
        first = [message, peer];
        return;
      }
      // Send the stale reply to the first call, then the real one.
      first[1].reply(first[0].header, uint(1));
      peer.reply(message.header, uint(2));
    });
    const connection = await RpcConnection.open({ socketPath: daemon.socketPath });
    await assert.rejects(connection.call(Procedure.CONNECT_GET_LIB_VERSION, undefined, 50), (error: unknown) => {
      assert.ok(error instanceof CallTimeoutError);
      assert.equal(error.procedure, 'CONNECT_GET_LIB_VERSION');
      assert.equal(error.timeoutMs, 50);
      assert.match(error.message, /CONNECT_GET_LIB_VERSION got no reply within 50 ms/);
      return true;
    });
    const reply = await connection.call(Procedure.CONNECT_GET_HOSTNAME);
    assert.equal(reply.readUInt32BE(0), 2);
    await connection.close();
    await daemon.stop();
  });

  test('an error reply rejects with LibvirtError carrying the libvirt code', async () => {
    const daemon = await startFakeDaemon((message, peer) =>
      peer.replyError(message.header, capturedPayload('DOMAIN_LOOKUP_BY_NAME_MISSING'))
    );
    const connection = await RpcConnection.open({ socketPath: daemon.socketPath });
    await assert.rejects(connection.call(Procedure.DOMAIN_LOOKUP_BY_NAME), (error: unknown) => {
      assert.ok(error instanceof LibvirtError);
      assert.equal(error.code, 42);
      assert.equal(error.procedure, 'DOMAIN_LOOKUP_BY_NAME');
      return true;
    });
    await connection.close();
    await daemon.stop();
  });

  test('a keepalive PING is answered with a PONG', async () => {
    let pong: (message: Message) => void;
    const gotPong = new Promise<Message>((resolve) => (pong = resolve));
    const daemon = await startFakeDaemon((message, peer) => {
      if (message.header.program === KEEPALIVE_PROGRAM) {
        pong(message);
        return;
      }
      peer.send({
        program: KEEPALIVE_PROGRAM,
        version: 1,
        procedure: 1,
        type: MessageType.MESSAGE,
        serial: 0,
        status: 0,
      });
      peer.reply(message.header);
    });
    const connection = await RpcConnection.open({ socketPath: daemon.socketPath });
    await connection.call(Procedure.CONNECT_GET_LIB_VERSION);
    const answer = await gotPong;
    assert.deepEqual(answer.header, {
      program: KEEPALIVE_PROGRAM,
      version: 1,
      procedure: 2,
      type: MessageType.MESSAGE,
      serial: 0,
      status: 0,
    });
    assert.equal(answer.payload.length, 0);
    await connection.close();
    await daemon.stop();
  });

  test('the peer closing rejects pending calls, emits close with an error, and refuses later calls', async () => {
    const daemon = await startFakeDaemon((_message, peer) => peer.raw.destroy());
    const connection = await RpcConnection.open({ socketPath: daemon.socketPath });
    const closed = once(connection, 'close');
    await assert.rejects(connection.call(Procedure.CONNECT_GET_LIB_VERSION), (error: unknown) => {
      assert.ok(error instanceof ConnectionClosedError);
      assert.match(error.message, /closed before CONNECT_GET_LIB_VERSION was answered/);
      return true;
    });
    const [reason] = await closed;
    assert.ok(reason instanceof ConnectionClosedError);
    assert.equal(connection.closed, true);
    await assert.rejects(
      connection.call(Procedure.CONNECT_GET_HOSTNAME),
      /cannot call CONNECT_GET_HOSTNAME: the connection .* is closed/
    );
    await daemon.stop();
  });

  test('close() rejects pending calls and emits close without an error', async () => {
    const daemon = await startFakeDaemon(() => {});
    const connection = await RpcConnection.open({ socketPath: daemon.socketPath });
    const closed = once(connection, 'close');
    const pending = connection.call(Procedure.CONNECT_GET_LIB_VERSION);
    await connection.close();
    await assert.rejects(pending, ConnectionClosedError);
    assert.deepEqual(await closed, [undefined]);
    await daemon.stop();
  });

  test('bytes that are not libvirt RPC drop the connection with a ProtocolError', async () => {
    const daemon = await startFakeDaemon((_message, peer) => peer.raw.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const connection = await RpcConnection.open({ socketPath: daemon.socketPath });
    const closed = once(connection, 'close');
    await assert.rejects(connection.call(Procedure.CONNECT_GET_LIB_VERSION), (error: unknown) => {
      assert.ok(error instanceof ConnectionClosedError);
      assert.ok(error.cause instanceof ProtocolError);
      return true;
    });
    const [reason] = await closed;
    assert.ok(reason instanceof ProtocolError);
    await daemon.stop();
  });
});

describe('LibvirtClient authentication', () => {
  test('polkit is used when the daemon offers only polkit', async () => {
    const daemon = await startFakeDaemon((message, peer) => {
      if (message.header.procedure === Procedure.AUTH_LIST) {
        peer.reply(message.header, authList(AuthType.POLKIT));
      } else if (message.header.procedure === Procedure.AUTH_POLKIT) {
        peer.reply(message.header, uint(1));
      } else {
        peer.reply(message.header);
      }
    });
    const client = await LibvirtClient.connect({
      socketPath: daemon.socketPath,
      uri: 'qemu:///system',
      readOnly: true,
    });
    assert.deepEqual(
      daemon.received.map((m) => m.header.procedure),
      [Procedure.AUTH_LIST, Procedure.AUTH_POLKIT, Procedure.CONNECT_OPEN]
    );
    // CONNECT_OPEN carries the URI and VIR_CONNECT_RO.
    assert.equal(
      daemon.received[2]!.payload.toString('hex'),
      '00000001' + '0000000e' + Buffer.from('qemu:///system\0\0').toString('hex') + '00000001'
    );
    await client.close();
    assert.equal(daemon.received.at(-1)!.header.procedure, Procedure.CONNECT_CLOSE);
    await daemon.stop();
  });

  test('a polkit refusal names the read-only socket and the libvirt group', async () => {
    const daemon = await startFakeDaemon((message, peer) => {
      if (message.header.procedure === Procedure.AUTH_LIST) {
        peer.reply(message.header, authList(AuthType.POLKIT));
      } else {
        peer.replyError(message.header, capturedPayload('DOMAIN_LOOKUP_BY_NAME_MISSING'));
      }
    });
    await assert.rejects(LibvirtClient.connect({ socketPath: daemon.socketPath }), (error: unknown) => {
      assert.ok(error instanceof AuthenticationError);
      assert.match(error.message, /polkit refused .*libvirt-sock-ro.*libvirt group/);
      return true;
    });
    await daemon.stop();
  });

  test(
    'a SASL-only daemon is refused with a clear message, and the socket is closed',
    { timeout: 10_000 },
    async () => {
      let peerClosed: () => void;
      const socketClosed = new Promise<void>((resolve) => (peerClosed = resolve));
      const daemon = await startFakeDaemon((message, peer) => {
        peer.raw.once('close', () => peerClosed());
        peer.reply(message.header, authList(AuthType.SASL));
      });
      await assert.rejects(LibvirtClient.connect({ socketPath: daemon.socketPath }), /offers only SASL authentication/);
      await socketClosed; // hangs (and the test runner times out) if the client leaked the socket
      await daemon.stop();
    }
  );
});

describe('LibvirtClient domain events', () => {
  const lifecycle = (callbackId: number, event: number, detail: number) =>
    new BufferWriter()
      .writeInt(callbackId)
      .writeString('vm-a')
      .writeFixedOpaque(Buffer.alloc(16, 0xab), 16)
      .writeInt(3)
      .writeInt(event)
      .writeInt(detail)
      .toBuffer();
  const eventMessage = (procedure: number) => ({
    program: REMOTE_PROGRAM,
    version: 1,
    procedure,
    type: MessageType.MESSAGE,
    serial: 0,
    status: 0,
  });

  test('registering returns the callback id; MESSAGEs of registered events arrive decoded, unknown ones are ignored', async () => {
    const daemon = await startFakeDaemon((message, peer) => {
      if (message.header.procedure === Procedure.AUTH_LIST) {
        peer.reply(message.header, authList(AuthType.NONE));
      } else if (message.header.procedure === Procedure.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY) {
        peer.reply(message.header, uint(message.payload.readInt32BE(0) + 40));
        peer.send(eventMessage(999), uint(1)); // an event this client does not decode
        peer.send(eventMessage(Procedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE), lifecycle(40, 5, 1));
      } else {
        peer.reply(message.header);
      }
    });
    const client = await LibvirtClient.connect({ socketPath: daemon.socketPath, readOnly: true });
    const received = once(client, 'lifecycle');
    assert.equal(await client.registerDomainEvent(0), 40);
    const [message] = await received;
    assert.deepEqual(message, {
      callbackId: 40,
      domain: { name: 'vm-a', uuid: 'abababab-abab-abab-abab-abababababab', id: 3 },
      event: 5,
      detail: 1,
    });
    assert.equal(client.closed, false);
    await client.close();
    await daemon.stop();
  });

  test('an event message that does not decode drops the connection', async () => {
    const daemon = await startFakeDaemon((message, peer) => {
      if (message.header.procedure === Procedure.AUTH_LIST) {
        peer.reply(message.header, authList(AuthType.NONE));
      } else if (message.header.procedure === Procedure.CONNECT_GET_LIB_VERSION) {
        peer.send(eventMessage(Procedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE), uint(1));
      } else {
        peer.reply(message.header);
      }
    });
    const client = await LibvirtClient.connect({ socketPath: daemon.socketPath });
    const closed = once(client, 'close');
    await assert.rejects(client.getLibVersion(), ConnectionClosedError);
    const [reason] = await closed;
    assert.match((reason as Error).message, /XDR/);
    await daemon.stop();
  });
});
