// Cuts a byte stream into libvirt RPC messages. No I/O: the connection feeds
// it whatever chunks the socket delivers, however they split or coalesce
// messages, and gets back each complete message once.

import { decodeHeader, HEADER_SIZE, LENGTH_SIZE, MESSAGE_MAX, type Message } from './framing.js';
import { ProtocolError } from './errors.js';

const MIN_LENGTH = LENGTH_SIZE + HEADER_SIZE;
const MAX_LENGTH = LENGTH_SIZE + MESSAGE_MAX;

export class MessageParser {
  // Chunks received but not yet part of a complete message. They are joined
  // only once a whole message is there, so a large reply that arrives in many
  // chunks is copied once, not once per chunk. Buffers are never written in
  // place, so payloads handed out as views of them stay valid.
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes needed before parsing can progress: a length word, then the whole message. */
  private needed = LENGTH_SIZE;

  /** Bytes held back waiting for the rest of a message. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Consumes one chunk and calls `onMessage` for every message it completes.
   * Throws ProtocolError on a length word no libvirt peer would send; the
   * stream cannot be resynchronised after that.
   */
  parse(chunk: Buffer, onMessage: (message: Message) => void): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.needed) {
      return;
    }
    const data = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.buffered);
    let offset = 0;
    let needed = LENGTH_SIZE;
    while (data.length - offset >= LENGTH_SIZE) {
      const length = data.readUInt32BE(offset);
      if (length < MIN_LENGTH || length > MAX_LENGTH) {
        throw new ProtocolError(
          `invalid libvirt message length ${length} (allowed ${MIN_LENGTH}..${MAX_LENGTH}): the peer is not speaking libvirt RPC`
        );
      }
      if (data.length - offset < length) {
        needed = length;
        break;
      }
      const headerStart = offset + LENGTH_SIZE;
      const payloadStart = headerStart + HEADER_SIZE;
      const header = decodeHeader(data.subarray(headerStart, payloadStart));
      const payload = data.subarray(payloadStart, offset + length);
      offset += length;
      onMessage({ header, payload });
    }
    const rest = data.subarray(offset);
    // A copy of a partial message lets the consumed prefix be garbage-collected.
    this.chunks = rest.length === 0 ? [] : [offset > 0 ? Buffer.from(rest) : rest];
    this.buffered = rest.length;
    this.needed = needed;
  }
}
