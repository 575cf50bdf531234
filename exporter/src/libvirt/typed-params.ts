// remote_typed_param from remote_protocol.x: a field name and a value union
// discriminated by virTypedParameterType.

import type { BufferReader } from './xdr/buffer-reader.js';
import type { BufferWriter } from './xdr/buffer-writer.js';
import { XdrError } from './xdr/xdr-error.js';
import { REMOTE_STRING_MAX } from './remote-types.js';

/** virTypedParameterType. */
export const TypedParamType = {
  INT: 1,
  UINT: 2,
  LLONG: 3,
  ULLONG: 4,
  DOUBLE: 5,
  BOOLEAN: 6,
  STRING: 7,
} as const;
// eslint-disable-next-line no-redeclare -- the type of the const's values under its name, a TypeScript idiom the base rule does not know
export type TypedParamType = (typeof TypedParamType)[keyof typeof TypedParamType];

/** 32-bit integers and doubles are numbers, 64-bit integers are BigInt. */
export type TypedParamValue = number | bigint | string | boolean;

export interface TypedParam {
  field: string;
  type: TypedParamType;
  value: TypedParamValue;
}

export function readTypedParam(reader: BufferReader): TypedParam {
  const field = reader.readString(REMOTE_STRING_MAX);
  const type = reader.readInt();
  switch (type) {
    case TypedParamType.INT:
      return { field, type, value: reader.readInt() };
    case TypedParamType.UINT:
      return { field, type, value: reader.readUint() };
    case TypedParamType.LLONG:
      return { field, type, value: reader.readHyper() };
    case TypedParamType.ULLONG:
      return { field, type, value: reader.readUhyper() };
    case TypedParamType.DOUBLE:
      return { field, type, value: reader.readDouble() };
    case TypedParamType.BOOLEAN:
      // The wire type is int; libvirt sends 0 or 1 but any non-zero is true in C.
      return { field, type, value: reader.readInt() !== 0 };
    case TypedParamType.STRING:
      return { field, type, value: reader.readString(REMOTE_STRING_MAX) };
    default:
      throw new XdrError(`typed parameter "${field}" has unknown type ${type}`);
  }
}

export function writeTypedParam(writer: BufferWriter, param: TypedParam): void {
  writer.writeString(param.field, REMOTE_STRING_MAX);
  writer.writeInt(param.type);
  const { field, type, value } = param;
  const mismatch = () =>
    new XdrError(`typed parameter "${field}" of type ${type} cannot hold ${typeof value} ${String(value)}`);
  switch (type) {
    case TypedParamType.INT:
      if (typeof value !== 'number') {
        throw mismatch();
      }
      writer.writeInt(value);
      return;
    case TypedParamType.UINT:
      if (typeof value !== 'number') {
        throw mismatch();
      }
      writer.writeUint(value);
      return;
    case TypedParamType.LLONG:
      if (typeof value !== 'bigint') {
        throw mismatch();
      }
      writer.writeHyper(value);
      return;
    case TypedParamType.ULLONG:
      if (typeof value !== 'bigint') {
        throw mismatch();
      }
      writer.writeUhyper(value);
      return;
    case TypedParamType.DOUBLE:
      if (typeof value !== 'number') {
        throw mismatch();
      }
      writer.writeDouble(value);
      return;
    case TypedParamType.BOOLEAN:
      if (typeof value !== 'boolean') {
        throw mismatch();
      }
      writer.writeInt(value ? 1 : 0);
      return;
    case TypedParamType.STRING:
      if (typeof value !== 'string') {
        throw mismatch();
      }
      writer.writeString(value, REMOTE_STRING_MAX);
      return;
  }
}
