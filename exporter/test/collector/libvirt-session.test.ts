import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { LibvirtSession } from '../../src/collector/libvirt-session.js';
import { ConnectionClosedError, SocketMissingError, type LibvirtClient } from '../../src/libvirt/index.js';
import { createLogger } from '../../src/log.js';

/** Enough of a LibvirtClient for the session: closed, close(), the 'close' event. */
class FakeConnection extends EventEmitter {
  closed = false;
  async close(): Promise<void> {
    this.closed = true;
  }
  drop(): void {
    this.closed = true;
    this.emit('close', new ConnectionClosedError('libvirtd went away'));
  }
}

test('one log line when libvirt goes away and one when it is back, whatever the number of attempts', async () => {
  const logs: Array<{ level: string; msg: string }> = [];
  let up = true;
  const connections: FakeConnection[] = [];
  const session = new LibvirtSession({
    connectOptions: { socketPath: '/run/x', uri: 'test:///default' },
    log: createLogger('debug', (line) => logs.push(JSON.parse(line) as { level: string; msg: string })),
    connect: async () => {
      if (!up) {
        throw new SocketMissingError('/run/x');
      }
      const connection = new FakeConnection();
      connections.push(connection);
      return connection as unknown as LibvirtClient;
    },
  });

  const first = await session.get();
  assert.equal(await session.get(), first, 'the open connection is reused');
  up = false;
  connections[0]!.drop();
  assert.equal(session.connected, false);
  for (let i = 0; i < 5; i++) {
    await assert.rejects(session.get(), SocketMissingError);
  }
  up = true;
  const second = await session.get();
  assert.notEqual(second, first);
  assert.equal(session.reconnectCount, 1);

  const messages = logs.map((l) => l.msg);
  assert.deepEqual(messages, ['connected to libvirt', 'libvirt connection lost; reconnecting', 'connected to libvirt again']);
});

test('a call that failed because the connection ended drops it; other errors do not', async () => {
  const connection = new FakeConnection();
  const session = new LibvirtSession({
    connectOptions: {},
    log: createLogger('error', () => {}),
    connect: async () => connection as unknown as LibvirtClient,
  });
  await session.get();
  session.report(new Error('some libvirt error'));
  assert.equal(session.connected, true);
  session.report(new ConnectionClosedError('gone'));
  assert.equal(session.connected, false);
  assert.equal(connection.closed, true);
});
