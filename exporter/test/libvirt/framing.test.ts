import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../src/libvirt/constants.js';
import { LibvirtError } from '../../src/libvirt/errors.js';
import {
  decodeError,
  decodeHeader,
  encodeMessage,
  KEEPALIVE_PROGRAM,
  MessageStatus,
  MessageType,
  REMOTE_PROGRAM,
} from '../../src/libvirt/framing.js';
import { Procedure } from '../../src/libvirt/procedures.js';
import { BufferWriter } from '../../src/libvirt/xdr/buffer-writer.js';
import { XdrError } from '../../src/libvirt/xdr/xdr-error.js';
import { capturedFrame, capturedPayload } from './fixtures/replies.js';

const hex = (text: string) => Buffer.from(text.replaceAll(' ', ''), 'hex');

describe('message framing', () => {
  test('a CALL is length (counting itself), six header words, payload', () => {
    const frame = encodeMessage(
      {
        program: REMOTE_PROGRAM,
        version: 1,
        procedure: Procedure.AUTH_LIST,
        type: MessageType.CALL,
        serial: 7,
        status: MessageStatus.OK,
      },
      hex('0000abcd')
    );
    assert.equal(
      frame.toString('hex'),
      '00000020' + '20008086' + '00000001' + '00000042' + '00000000' + '00000007' + '00000000' + '0000abcd'
    );
  });

  test('a keepalive PONG has no payload', () => {
    const frame = encodeMessage({
      program: KEEPALIVE_PROGRAM,
      version: 1,
      procedure: 2,
      type: MessageType.MESSAGE,
      serial: 0,
      status: 0,
    });
    assert.equal(
      frame.toString('hex'),
      '0000001c' + '6b656570' + '00000001' + '00000002' + '00000002' + '00000000' + '00000000'
    );
  });

  test('decodes the header of a real reply', () => {
    const frame = capturedFrame('CONNECT_GET_LIB_VERSION');
    assert.equal(frame.readUInt32BE(0), frame.length);
    assert.deepEqual(decodeHeader(frame.subarray(4, 28)), {
      program: REMOTE_PROGRAM,
      version: 1,
      procedure: Procedure.CONNECT_GET_LIB_VERSION,
      type: MessageType.REPLY,
      serial: 3,
      status: MessageStatus.OK,
    });
  });

  test('an oversized payload is refused before it reaches the socket', () => {
    assert.throws(
      () =>
        encodeMessage(
          { program: REMOTE_PROGRAM, version: 1, procedure: 1, type: 0, serial: 1, status: 0 },
          Buffer.alloc(33_554_432)
        ),
      RangeError
    );
  });
});

describe('error replies', () => {
  test('the real error for a missing domain decodes to code, domain and message', () => {
    const frame = capturedFrame('DOMAIN_LOOKUP_BY_NAME_MISSING');
    const header = decodeHeader(frame.subarray(4, 28));
    assert.equal(header.type, MessageType.REPLY);
    assert.equal(header.status, MessageStatus.ERROR);
    const error = decodeError(capturedPayload('DOMAIN_LOOKUP_BY_NAME_MISSING'), 'DOMAIN_LOOKUP_BY_NAME');
    assert.ok(error instanceof LibvirtError);
    assert.equal(error.code, ErrorCode.NO_DOMAIN);
    assert.equal(error.domain, 12); // VIR_FROM_TEST
    assert.match(error.message, /^DOMAIN_LOOKUP_BY_NAME: Domain not found/);
    assert.equal(error.procedure, 'DOMAIN_LOOKUP_BY_NAME');
  });

  test('every optional member of virNetMessageError is read, present or not', () => {
    const writer = new BufferWriter();
    writer
      .writeInt(ErrorCode.OPERATION_DENIED)
      .writeInt(7)
      .writeOptional('denied', (w, v) => w.writeString(v))
      .writeInt(2);
    writer.writeOptional({ name: 'vm1' }, (w, d) =>
      w.writeString(d.name).writeFixedOpaque(Buffer.alloc(16, 1), 16).writeInt(3)
    );
    writer.writeOptional('s1', (w, v) => w.writeString(v)).writeOptional(null, (w, v: string) => w.writeString(v));
    writer
      .writeOptional('s3', (w, v) => w.writeString(v))
      .writeInt(-4)
      .writeInt(5);
    writer.writeOptional({ name: 'net' }, (w, n) => w.writeString(n.name).writeFixedOpaque(Buffer.alloc(16, 2), 16));
    const error = decodeError(writer.toBuffer());
    assert.deepEqual(
      { code: error.code, domain: error.domain, message: error.message, level: error.level },
      { code: ErrorCode.OPERATION_DENIED, domain: 7, message: 'denied', level: 2 }
    );
    assert.deepEqual([error.str1, error.str2, error.str3, error.int1, error.int2], ['s1', null, 's3', -4, 5]);
  });

  test('an error without a message still says which code it was', () => {
    const writer = new BufferWriter();
    writer.writeInt(ErrorCode.INTERNAL_ERROR).writeInt(0).writeBool(false).writeInt(2).writeBool(false);
    writer.writeBool(false).writeBool(false).writeBool(false).writeInt(0).writeInt(0).writeBool(false);
    assert.equal(decodeError(writer.toBuffer()).message, 'libvirt error code 1');
  });

  test('a truncated error payload is an XdrError, not a bogus LibvirtError', () => {
    assert.throws(() => decodeError(capturedPayload('DOMAIN_LOOKUP_BY_NAME_MISSING').subarray(0, 10)), XdrError);
  });
});
