// Message framing of libvirt's RPC (src/rpc/virnetprotocol.x): a 4-byte total
// length (which counts itself), a 24-byte header, then the XDR payload.

import { BufferReader } from './xdr/buffer-reader.js';
import { LibvirtError, type LibvirtErrorDetails } from './errors.js';
import { readDomainRef, REMOTE_STRING_MAX } from './remote-types.js';

export const REMOTE_PROGRAM = 0x20008086;
export const REMOTE_PROTOCOL_VERSION = 1;
export const KEEPALIVE_PROGRAM = 0x6b656570;
export const KEEPALIVE_PROTOCOL_VERSION = 1;

export const KeepaliveProcedure = { PING: 1, PONG: 2 } as const;

/** virNetMessageType. */
export const MessageType = {
  CALL: 0,
  REPLY: 1,
  MESSAGE: 2,
  STREAM: 3,
  CALL_WITH_FDS: 4,
  REPLY_WITH_FDS: 5,
  STREAM_HOLE: 6,
} as const;

/** virNetMessageStatus. */
export const MessageStatus = { OK: 0, ERROR: 1, CONTINUE: 2 } as const;

const EMPTY_PAYLOAD = new Uint8Array(0);

export const LENGTH_SIZE = 4;
export const HEADER_SIZE = 24;
/** VIR_NET_MESSAGE_MAX of libvirt ≥ 5.x (32 MiB); the length word is not counted in it. */
export const MESSAGE_MAX = 33_554_432;

export interface MessageHeader {
  program: number;
  version: number;
  procedure: number;
  type: number;
  serial: number;
  status: number;
}

/** One complete message as cut from the stream: header plus undecoded payload. */
export interface Message {
  header: MessageHeader;
  payload: Buffer;
}

export function encodeMessage(header: MessageHeader, payload: Uint8Array = EMPTY_PAYLOAD): Buffer {
  const total = LENGTH_SIZE + HEADER_SIZE + payload.length;
  if (total - LENGTH_SIZE > MESSAGE_MAX) {
    throw new RangeError(`message of ${total} bytes exceeds libvirt's limit of ${MESSAGE_MAX}`);
  }
  // One buffer, every byte written below: no zero-fill, no concatenation.
  const message = Buffer.allocUnsafe(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(header.program, 4);
  message.writeUInt32BE(header.version, 8);
  message.writeInt32BE(header.procedure, 12);
  message.writeInt32BE(header.type, 16);
  message.writeUInt32BE(header.serial, 20);
  message.writeInt32BE(header.status, 24);
  message.set(payload, LENGTH_SIZE + HEADER_SIZE);
  return message;
}

/** Decodes the 24 header bytes that follow the length word. */
export function decodeHeader(bytes: Buffer): MessageHeader {
  const reader = new BufferReader(bytes);
  return {
    program: reader.readUint(),
    version: reader.readUint(),
    procedure: reader.readInt(),
    type: reader.readInt(),
    serial: reader.readUint(),
    status: reader.readInt(),
  };
}

/** Decodes the virNetMessageError payload of a reply whose status is ERROR. */
export function decodeError(payload: Buffer, procedure?: string): LibvirtError {
  const reader = new BufferReader(payload);
  const readString = (r: BufferReader) => r.readString(REMOTE_STRING_MAX);
  const details: LibvirtErrorDetails = {
    code: reader.readInt(),
    domain: reader.readInt(),
    message: reader.readOptional(readString),
    level: reader.readInt(),
    str1: null,
    str2: null,
    str3: null,
    int1: 0,
    int2: 0,
  };
  reader.readOptional(readDomainRef); // 'dom': unused by libvirt, still on the wire
  details.str1 = reader.readOptional(readString);
  details.str2 = reader.readOptional(readString);
  details.str3 = reader.readOptional(readString);
  details.int1 = reader.readInt();
  details.int2 = reader.readInt();
  reader.readOptional((r) => {
    // 'net' (virNetMessageNonnullNetwork: name, uuid): unused, skipped.
    r.readString(REMOTE_STRING_MAX);
    r.readFixedOpaque(16);
  });
  return new LibvirtError(details, procedure);
}
