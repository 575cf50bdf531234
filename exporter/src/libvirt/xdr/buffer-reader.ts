// XDR decoder (RFC 4506) over one complete message body. Every read checks the
// remaining length, so a truncated or hostile reply fails with an XdrError
// naming the offset instead of reading garbage.

import { XdrError } from './xdr-error.js';

const UINT32_MAX = 0xffff_ffff;

export class BufferReader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  /** Bytes not read yet. */
  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  readInt(): number {
    this.need(4, 'int');
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  readUint(): number {
    this.need(4, 'unsigned int');
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  readHyper(): bigint {
    this.need(8, 'hyper');
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  readUhyper(): bigint {
    this.need(8, 'unsigned hyper');
    const value = this.buffer.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  readDouble(): number {
    this.need(8, 'double');
    const value = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return value;
  }

  readBool(): boolean {
    const at = this.offset;
    const value = this.readInt();
    if (value !== 0 && value !== 1) {
      throw new XdrError(`bool must be 0 or 1, got ${value} at offset ${at}`);
    }
    return value === 1;
  }

  /** Fixed-length opaque; returns a copy so callers may keep it. */
  readFixedOpaque(length: number): Buffer {
    return this.readBytesPadded(length, 'fixed opaque');
  }

  readOpaque(maxLength = UINT32_MAX): Buffer {
    const at = this.offset;
    const length = this.readUint();
    if (length > maxLength) {
      throw new XdrError(`opaque length ${length} at offset ${at} exceeds its limit of ${maxLength}`);
    }
    return this.readBytesPadded(length, 'opaque');
  }

  readString(maxLength = UINT32_MAX): string {
    const at = this.offset;
    const length = this.readUint();
    if (length > maxLength) {
      throw new XdrError(`string length ${length} at offset ${at} exceeds its limit of ${maxLength}`);
    }
    this.need(length + padding(length), 'string');
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length + padding(length);
    return value;
  }

  readOptional<T>(readValue: (reader: this) => T): T | null {
    return this.readBool() ? readValue(this) : null;
  }

  readArray<T>(readItem: (reader: this) => T, maxLength = UINT32_MAX): T[] {
    const at = this.offset;
    const count = this.readUint();
    if (count > maxLength) {
      throw new XdrError(`array length ${count} at offset ${at} exceeds its limit of ${maxLength}`);
    }
    // Each element takes at least four bytes: reject counts the body cannot hold
    // before allocating anything for them.
    if (count * 4 > this.remaining) {
      throw new XdrError(`array of ${count} elements at offset ${at} cannot fit in the ${this.remaining} bytes left`);
    }
    const items: T[] = [];
    for (let i = 0; i < count; i++) {
      items.push(readItem(this));
    }
    return items;
  }

  /** Fails unless the whole body was consumed: trailing bytes mean a layout mismatch. */
  assertEnd(what: string): void {
    if (this.remaining !== 0) {
      throw new XdrError(`${this.remaining} unexpected trailing bytes after ${what}`);
    }
  }

  private readBytesPadded(length: number, what: string): Buffer {
    this.need(length + padding(length), what);
    const bytes = Buffer.from(this.buffer.subarray(this.offset, this.offset + length));
    this.offset += length + padding(length);
    return bytes;
  }

  private need(bytes: number, what: string): void {
    if (this.remaining < bytes) {
      throw new XdrError(`${what} needs ${bytes} bytes at offset ${this.offset}, only ${this.remaining} left`);
    }
  }
}

function padding(length: number): number {
  return (4 - (length % 4)) % 4;
}
