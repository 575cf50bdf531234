// A scripted libvirt RPC peer on a unix socket, for unit tests of behaviour a
// real daemon will not produce on demand (out-of-order replies, PINGs,
// garbage, SASL-only auth). Integration tests use the real libvirtd.

import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  encodeMessage,
  MessageStatus,
  MessageType,
  type Message,
  type MessageHeader,
} from '../../src/libvirt/framing.js';
import { MessageParser } from '../../src/libvirt/parser.js';

export interface PeerSocket {
  /** Sends a REPLY (status OK) to `call` with the given payload. */
  reply(call: MessageHeader, payload?: Buffer): void;
  /** Sends a REPLY with status ERROR and a virNetMessageError payload. */
  replyError(call: MessageHeader, payload: Buffer): void;
  send(header: MessageHeader, payload?: Buffer): void;
  raw: net.Socket;
}

export interface FakeDaemon {
  socketPath: string;
  /** Every message the client sent, in order. */
  received: Message[];
  stop(): Promise<void>;
}

export async function startFakeDaemon(onMessage: (message: Message, peer: PeerSocket) => void): Promise<FakeDaemon> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-libvirtd-'));
  const socketPath = path.join(dir, 'sock');
  const received: Message[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const parser = new MessageParser();
    const send = (header: MessageHeader, payload?: Buffer) => socket.write(encodeMessage(header, payload));
    const peer: PeerSocket = {
      reply: (call, payload) => send({ ...call, type: MessageType.REPLY, status: MessageStatus.OK }, payload),
      replyError: (call, payload) => send({ ...call, type: MessageType.REPLY, status: MessageStatus.ERROR }, payload),
      send,
      raw: socket,
    };
    socket.on('data', (chunk: Buffer) =>
      parser.parse(chunk, (message) => {
        received.push(message);
        onMessage(message, peer);
      })
    );
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    received,
    async stop() {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
