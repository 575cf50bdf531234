// XDR encoder (RFC 4506) for the subset libvirt's RPC uses: every item is
// big-endian and padded to a multiple of four bytes.

import { XdrError } from './xdr-error.js';

const INITIAL_SIZE = 256;
const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
const UINT32_MAX = 0xffff_ffff;
const HYPER_MIN = -(1n << 63n);
const HYPER_MAX = (1n << 63n) - 1n;
const UHYPER_MAX = (1n << 64n) - 1n;

export class BufferWriter {
  private buffer: Buffer;
  private offset = 0;

  constructor(initialSize = INITIAL_SIZE) {
    // Unfilled: every byte up to `offset` is written (padding explicitly) before it is read.
    this.buffer = Buffer.allocUnsafe(initialSize);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.offset;
  }

  writeInt(value: number): this {
    if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
      throw new XdrError(`int out of range: ${value}`);
    }
    this.ensure(4);
    this.buffer.writeInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }

  writeUint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
      throw new XdrError(`unsigned int out of range: ${value}`);
    }
    this.ensure(4);
    this.buffer.writeUInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }

  writeHyper(value: bigint): this {
    if (value < HYPER_MIN || value > HYPER_MAX) {
      throw new XdrError(`hyper out of range: ${value}`);
    }
    this.ensure(8);
    this.buffer.writeBigInt64BE(value, this.offset);
    this.offset += 8;
    return this;
  }

  writeUhyper(value: bigint): this {
    if (value < 0n || value > UHYPER_MAX) {
      throw new XdrError(`unsigned hyper out of range: ${value}`);
    }
    this.ensure(8);
    this.buffer.writeBigUInt64BE(value, this.offset);
    this.offset += 8;
    return this;
  }

  writeDouble(value: number): this {
    this.ensure(8);
    this.buffer.writeDoubleBE(value, this.offset);
    this.offset += 8;
    return this;
  }

  writeBool(value: boolean): this {
    return this.writeInt(value ? 1 : 0);
  }

  /** Fixed-length opaque: exactly `length` bytes, then padding. */
  writeFixedOpaque(bytes: Uint8Array, length: number): this {
    if (bytes.length !== length) {
      throw new XdrError(`fixed opaque needs ${length} bytes, got ${bytes.length}`);
    }
    return this.writeBytesPadded(bytes);
  }

  /** Variable-length opaque: length word, bytes, padding. */
  writeOpaque(bytes: Uint8Array, maxLength = UINT32_MAX): this {
    if (bytes.length > maxLength) {
      throw new XdrError(`opaque of ${bytes.length} bytes exceeds its limit of ${maxLength}`);
    }
    this.writeUint(bytes.length);
    return this.writeBytesPadded(bytes);
  }

  writeString(value: string, maxLength = UINT32_MAX): this {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > maxLength) {
      throw new XdrError(`string of ${bytes.length} bytes exceeds its limit of ${maxLength}`);
    }
    return this.writeOpaque(bytes);
  }

  /** Optional data (`type *name`): a boolean, then the value if present. */
  writeOptional<T>(value: T | null | undefined, writeValue: (writer: this, value: T) => void): this {
    if (value === null || value === undefined) {
      return this.writeBool(false);
    }
    this.writeBool(true);
    writeValue(this, value);
    return this;
  }

  /** Variable-length array: count word, then each element. */
  writeArray<T>(items: readonly T[], writeItem: (writer: this, item: T) => void, maxLength = UINT32_MAX): this {
    if (items.length > maxLength) {
      throw new XdrError(`array of ${items.length} elements exceeds its limit of ${maxLength}`);
    }
    this.writeUint(items.length);
    for (const item of items) {
      writeItem(this, item);
    }
    return this;
  }

  /** A copy of the bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.offset));
  }

  private writeBytesPadded(bytes: Uint8Array): this {
    const padding = (4 - (bytes.length % 4)) % 4;
    this.ensure(bytes.length + padding);
    this.buffer.set(bytes, this.offset);
    this.buffer.fill(0, this.offset + bytes.length, this.offset + bytes.length + padding);
    this.offset += bytes.length + padding;
    return this;
  }

  private ensure(extra: number): void {
    const needed = this.offset + extra;
    if (needed <= this.buffer.length) {
      return;
    }
    let size = this.buffer.length * 2;
    while (size < needed) {
      size *= 2;
    }
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }
}
