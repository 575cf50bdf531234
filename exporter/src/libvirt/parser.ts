// Cuts a byte stream into libvirt RPC messages. No I/O: the connection feeds
// it whatever chunks the socket delivers, however they split or coalesce
// messages, and gets back each complete message once.

import { decodeHeader, HEADER_SIZE, LENGTH_SIZE, MESSAGE_MAX, type Message } from './framing.js';
import { ProtocolError } from './errors.js';

const MIN_LENGTH = LENGTH_SIZE + HEADER_SIZE;
const MAX_LENGTH = LENGTH_SIZE + MESSAGE_MAX;

export class MessageParser {
  // Bytes received but not yet part of a complete message. Never written in
  // place, so payloads handed out as views of it stay valid.
  private pending: Buffer = Buffer.alloc(0);

  /** Bytes held back waiting for the rest of a message. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  /**
   * Consumes one chunk and calls `onMessage` for every message it completes.
   * Throws ProtocolError on a length word no libvirt peer would send; the
   * stream cannot be resynchronised after that.
   */
  parse(chunk: Buffer, onMessage: (message: Message) => void): void {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    while (data.length - offset >= LENGTH_SIZE) {
      const length = data.readUInt32BE(offset);
      if (length < MIN_LENGTH || length > MAX_LENGTH) {
        throw new ProtocolError(
          `invalid libvirt message length ${length} (allowed ${MIN_LENGTH}..${MAX_LENGTH}): the peer is not speaking libvirt RPC`
        );
      }
      if (data.length - offset < length) {
        break;
      }
      const headerStart = offset + LENGTH_SIZE;
      const payloadStart = headerStart + HEADER_SIZE;
      const header = decodeHeader(data.subarray(headerStart, payloadStart));
      const payload = data.subarray(payloadStart, offset + length);
      offset += length;
      onMessage({ header, payload });
    }
    this.pending = offset === data.length ? Buffer.alloc(0) : data.subarray(offset);
    // Drop the reference to a large consumed prefix instead of pinning it.
    if (offset > 0 && this.pending.length > 0) {
      this.pending = Buffer.from(this.pending);
    }
  }
}
