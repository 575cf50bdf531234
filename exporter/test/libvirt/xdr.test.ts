import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BufferReader } from '../../src/libvirt/xdr/buffer-reader.js';
import { BufferWriter } from '../../src/libvirt/xdr/buffer-writer.js';
import { XdrError } from '../../src/libvirt/xdr/xdr-error.js';

const hex = (text: string) => Buffer.from(text.replaceAll(' ', ''), 'hex');
const written = (write: (w: BufferWriter) => void) => {
  const writer = new BufferWriter(4); // small start: exercises growth
  write(writer);
  return writer.toBuffer().toString('hex');
};

describe('BufferWriter encodes RFC 4506 items', () => {
  test('integers are 4-byte big-endian, two-complement for negatives', () => {
    assert.equal(
      written((w) => w.writeInt(1)),
      '00000001'
    );
    assert.equal(
      written((w) => w.writeInt(-1)),
      'ffffffff'
    );
    assert.equal(
      written((w) => w.writeInt(-0x8000_0000)),
      '80000000'
    );
    assert.equal(
      written((w) => w.writeUint(0x20008086)),
      '20008086'
    );
    assert.equal(
      written((w) => w.writeUint(0xffff_ffff)),
      'ffffffff'
    );
  });

  test('hypers are 8-byte big-endian BigInts', () => {
    assert.equal(
      written((w) => w.writeHyper(-2n)),
      'fffffffffffffffe'
    );
    assert.equal(
      written((w) => w.writeUhyper(0xffff_ffff_ffff_fffen)),
      'fffffffffffffffe'
    );
    assert.equal(
      written((w) => w.writeUhyper(1n << 40n)),
      '0000010000000000'
    );
  });

  test('bool, double', () => {
    assert.equal(
      written((w) => w.writeBool(true).writeBool(false)),
      '0000000100000000'
    );
    assert.equal(
      written((w) => w.writeDouble(1.5)),
      '3ff8000000000000'
    );
  });

  test('strings and opaques carry a length and pad to four bytes with zeros', () => {
    assert.equal(
      written((w) => w.writeString('abc')),
      '00000003' + '61626300'
    );
    assert.equal(
      written((w) => w.writeString('abcd')),
      '00000004' + '61626364'
    );
    assert.equal(
      written((w) => w.writeString('')),
      '00000000'
    );
    assert.equal(
      written((w) => w.writeString('é')),
      '00000002' + 'c3a90000'
    );
    assert.equal(
      written((w) => w.writeOpaque(hex('0102030405'))),
      '00000005' + '0102030405000000'
    );
    assert.equal(
      written((w) => w.writeFixedOpaque(hex('010203'), 3)),
      '01020300'
    );
  });

  test('optional and arrays', () => {
    assert.equal(
      written((w) => w.writeOptional(null, (x, v: string) => x.writeString(v))),
      '00000000'
    );
    assert.equal(
      written((w) => w.writeOptional('a', (x, v) => x.writeString(v))),
      '00000001' + '00000001' + '61000000'
    );
    assert.equal(
      written((w) => w.writeArray([7, 8], (x, v) => x.writeInt(v))),
      '00000002' + '00000007' + '00000008'
    );
  });

  test('values outside the XDR type are refused, not wrapped', () => {
    assert.throws(() => new BufferWriter().writeInt(0x8000_0000), XdrError);
    assert.throws(() => new BufferWriter().writeInt(1.5), XdrError);
    assert.throws(() => new BufferWriter().writeUint(-1), XdrError);
    assert.throws(() => new BufferWriter().writeHyper(1n << 63n), XdrError);
    assert.throws(() => new BufferWriter().writeUhyper(-1n), XdrError);
    assert.throws(() => new BufferWriter().writeFixedOpaque(hex('01'), 16), /fixed opaque needs 16 bytes, got 1/);
    assert.throws(() => new BufferWriter().writeString('abcdef', 4), /exceeds its limit of 4/);
    assert.throws(() => new BufferWriter().writeArray([1, 2, 3], (w, v) => w.writeInt(v), 2), /exceeds its limit of 2/);
  });
});

describe('BufferReader decodes RFC 4506 items', () => {
  test('reads back every item the writer wrote', () => {
    const writer = new BufferWriter();
    writer
      .writeInt(-5)
      .writeUint(0xdeadbeef)
      .writeHyper(-(1n << 62n))
      .writeUhyper((1n << 64n) - 1n)
      .writeBool(true)
      .writeDouble(-0.25)
      .writeString('héllo')
      .writeOpaque(hex('ff'))
      .writeFixedOpaque(hex('0a0b0c0d0e'), 5)
      .writeOptional(42, (w, v) => w.writeInt(v))
      .writeOptional(null, (w, v: number) => w.writeInt(v))
      .writeArray(['x', 'yz'], (w, v) => w.writeString(v));
    const reader = new BufferReader(writer.toBuffer());
    assert.equal(reader.readInt(), -5);
    assert.equal(reader.readUint(), 0xdeadbeef);
    assert.equal(reader.readHyper(), -(1n << 62n));
    assert.equal(reader.readUhyper(), (1n << 64n) - 1n);
    assert.equal(reader.readBool(), true);
    assert.equal(reader.readDouble(), -0.25);
    assert.equal(reader.readString(), 'héllo');
    assert.deepEqual(reader.readOpaque(), hex('ff'));
    assert.deepEqual(reader.readFixedOpaque(5), hex('0a0b0c0d0e'));
    assert.equal(
      reader.readOptional((r) => r.readInt()),
      42
    );
    assert.equal(
      reader.readOptional((r) => r.readInt()),
      null
    );
    assert.deepEqual(
      reader.readArray((r) => r.readString()),
      ['x', 'yz']
    );
    reader.assertEnd('test data');
  });

  test('truncated input names the item and offset', () => {
    assert.throws(() => new BufferReader(hex('000000')).readInt(), /int needs 4 bytes at offset 0, only 3 left/);
    assert.throws(() => new BufferReader(hex('00000001 0000')).readHyper(), XdrError);
    const reader = new BufferReader(hex('00000001 00000005 6162'));
    reader.readInt();
    assert.throws(() => reader.readString(), /string needs 8 bytes at offset 8, only 2 left/);
  });

  test('bools other than 0 and 1 are refused', () => {
    assert.throws(() => new BufferReader(hex('00000002')).readBool(), /bool must be 0 or 1, got 2/);
  });

  test('lengths above a limit, or beyond what the body can hold, are refused before allocating', () => {
    assert.throws(() => new BufferReader(hex('00000005 6162636465000000')).readString(4), /exceeds its limit of 4/);
    assert.throws(
      () => new BufferReader(hex('00000003 00000001 00000002 00000003')).readArray((r) => r.readInt(), 2),
      /limit of 2/
    );
    assert.throws(() => new BufferReader(hex('7fffffff 00000001')).readArray((r) => r.readInt()), /cannot fit/);
    assert.throws(() => new BufferReader(hex('ffffffff')).readOpaque(), /exceeds its limit|needs/);
  });

  test('assertEnd reports trailing bytes', () => {
    const reader = new BufferReader(hex('00000001 00000002'));
    reader.readInt();
    assert.throws(() => reader.assertEnd('remote_x_ret'), /4 unexpected trailing bytes after remote_x_ret/);
  });

  test('fixed opaque returns a copy that outlives the input buffer', () => {
    const input = hex('01020304');
    const bytes = new BufferReader(input).readFixedOpaque(4);
    input.fill(0);
    assert.deepEqual(bytes, hex('01020304'));
  });
});
