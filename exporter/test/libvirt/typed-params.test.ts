import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readTypedParam, TypedParamType, writeTypedParam, type TypedParam } from '../../src/libvirt/typed-params.js';
import { BufferReader } from '../../src/libvirt/xdr/buffer-reader.js';
import { BufferWriter } from '../../src/libvirt/xdr/buffer-writer.js';
import { XdrError } from '../../src/libvirt/xdr/xdr-error.js';

const hex = (text: string) => Buffer.from(text.replaceAll(' ', ''), 'hex');
// Field name "a.b": length 3, bytes, one pad byte.
const FIELD = '00000003 612e6200';

// One vector per arm of remote_typed_param_value.
const vectors: Array<{ bytes: string; param: TypedParam }> = [
  { bytes: `${FIELD} 00000001 fffffffe`, param: { field: 'a.b', type: TypedParamType.INT, value: -2 } },
  { bytes: `${FIELD} 00000002 fffffffe`, param: { field: 'a.b', type: TypedParamType.UINT, value: 0xfffffffe } },
  { bytes: `${FIELD} 00000003 ffffffffffffff9c`, param: { field: 'a.b', type: TypedParamType.LLONG, value: -100n } },
  {
    bytes: `${FIELD} 00000004 8000000000000001`,
    param: { field: 'a.b', type: TypedParamType.ULLONG, value: 0x8000_0000_0000_0001n },
  },
  { bytes: `${FIELD} 00000005 400921fb54442d18`, param: { field: 'a.b', type: TypedParamType.DOUBLE, value: Math.PI } },
  { bytes: `${FIELD} 00000006 00000001`, param: { field: 'a.b', type: TypedParamType.BOOLEAN, value: true } },
  { bytes: `${FIELD} 00000007 00000003 76646100`, param: { field: 'a.b', type: TypedParamType.STRING, value: 'vda' } },
];

describe('typed parameter union', () => {
  for (const { bytes, param } of vectors) {
    test(`type ${param.type} decodes to ${typeof param.value} and encodes back to the same bytes`, () => {
      const reader = new BufferReader(hex(bytes));
      assert.deepEqual(readTypedParam(reader), param);
      reader.assertEnd('typed param');
      const writer = new BufferWriter();
      writeTypedParam(writer, param);
      assert.equal(writer.toBuffer().toString('hex'), hex(bytes).toString('hex'));
    });
  }

  test('64-bit counters beyond 2^53 keep every digit', () => {
    const reader = new BufferReader(hex(`${FIELD} 00000004 0020000000000001`));
    assert.equal(readTypedParam(reader).value, 9007199254740993n);
  });

  test('an unknown discriminant fails with the field name', () => {
    assert.throws(() => readTypedParam(new BufferReader(hex(`${FIELD} 00000009 00000000`))), {
      name: 'XdrError',
      message: /typed parameter "a.b" has unknown type 9/,
    });
  });

  test('a value of the wrong JavaScript type is refused', () => {
    assert.throws(
      () => writeTypedParam(new BufferWriter(), { field: 'x', type: TypedParamType.ULLONG, value: 5 }),
      XdrError
    );
    assert.throws(
      () => writeTypedParam(new BufferWriter(), { field: 'x', type: TypedParamType.STRING, value: true }),
      XdrError
    );
  });
});
