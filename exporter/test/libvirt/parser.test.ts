import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProtocolError } from '../../src/libvirt/errors.js';
import { encodeMessage, type Message } from '../../src/libvirt/framing.js';
import { MessageParser } from '../../src/libvirt/parser.js';
import { ALL_CAPTURED, capturedFrame } from './fixtures/replies.js';

const frames = ALL_CAPTURED.map(capturedFrame);
const stream = Buffer.concat(frames);

function parseChunks(chunks: Buffer[]): { messages: Message[]; parser: MessageParser } {
  const parser = new MessageParser();
  const messages: Message[] = [];
  for (const chunk of chunks) {
    parser.parse(chunk, (message) => messages.push(message));
  }
  return { messages, parser };
}

/** Re-encoding each message must give back exactly the bytes received. */
function assertSameFrames(messages: Message[]): void {
  assert.equal(messages.length, frames.length);
  messages.forEach((message, i) => assert.deepEqual(encodeMessage(message.header, message.payload), frames[i]));
}

describe('MessageParser', () => {
  test('all real replies coalesced into one chunk come out one by one', () => {
    const { messages, parser } = parseChunks([stream]);
    assertSameFrames(messages);
    assert.equal(parser.bufferedBytes, 0);
    assert.deepEqual(
      messages.map((m) => m.header.serial),
      frames.map((_, i) => i + 1)
    );
  });

  test('one byte at a time gives the same messages', () => {
    const chunks = [...stream].map((byte) => Buffer.from([byte]));
    assertSameFrames(parseChunks(chunks).messages);
  });

  test('every split point of the stream into two chunks gives the same messages', () => {
    for (let at = 0; at <= stream.length; at++) {
      assertSameFrames(parseChunks([stream.subarray(0, at), stream.subarray(at)]).messages);
    }
  });

  test('chunks of odd sizes that straddle length words and headers', () => {
    for (const size of [3, 5, 27, 29, 101]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < stream.length; at += size) {
        chunks.push(stream.subarray(at, at + size));
      }
      assertSameFrames(parseChunks(chunks).messages);
    }
  });

  test('a 2 MiB message arriving in 64 KiB chunks comes out once, intact, with the message after it', () => {
    const payload = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4) {
      payload.writeUInt32BE(i, i);
    }
    const header = { program: 0x20008086, version: 1, procedure: 344, type: 1, serial: 9, status: 0 };
    const big = encodeMessage(header, payload);
    const input = Buffer.concat([big, frames[0]!]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < input.length; at += 65536) {
      chunks.push(input.subarray(at, at + 65536));
    }
    const { messages, parser } = parseChunks(chunks);
    assert.equal(messages.length, 2);
    assert.deepEqual(messages[0]!.header, header);
    assert.ok(messages[0]!.payload.equals(payload));
    assert.deepEqual(encodeMessage(messages[1]!.header, messages[1]!.payload), frames[0]);
    assert.equal(parser.bufferedBytes, 0);
  });

  test('an incomplete message is held back, not emitted', () => {
    const first = frames[0]!;
    const { messages, parser } = parseChunks([first.subarray(0, first.length - 1)]);
    assert.equal(messages.length, 0);
    assert.equal(parser.bufferedBytes, first.length - 1);
  });

  test('payloads stay intact after the parser receives more data', () => {
    const parser = new MessageParser();
    const payloads: Buffer[] = [];
    const cut = frames[0]!.length + 10;
    parser.parse(stream.subarray(0, cut), (m) => payloads.push(m.payload));
    const copy = Buffer.from(payloads[0]!);
    parser.parse(stream.subarray(cut), (m) => payloads.push(m.payload));
    assert.deepEqual(payloads[0], copy);
  });

  test('a length word below the header size is a ProtocolError', () => {
    assert.throws(() => new MessageParser().parse(Buffer.from('0000001b', 'hex'), () => {}), ProtocolError);
  });

  test('a length word above 32 MiB is a ProtocolError (e.g. an HTTP server on that port)', () => {
    assert.throws(() => new MessageParser().parse(Buffer.from('HTTP/1.1 400 Bad Request\r\n'), () => {}), {
      name: 'ProtocolError',
      message: /invalid libvirt message length/,
    });
  });
});
