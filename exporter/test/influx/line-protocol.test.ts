import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodePoint, LineProtocolError, type Point } from '../../src/influx/line-protocol.js';

const base: Point = { measurement: 'vm_telemetry', tags: [], fields: [['x', { type: 'float', value: 1.5 }]], timeMs: 1000 };

test('integers carry the i suffix, floats none, strings are quoted', () => {
  const line = encodePoint({
    ...base,
    tags: [['vm', 'one-71']],
    fields: [
      ['domain_id', { type: 'integer', value: -1 }],
      ['disk_read_bytes', { type: 'integer', value: 18446744073709551n >> 1n }],
      ['cpu_usage_percent', { type: 'float', value: 45 }],
      ['state', { type: 'string', value: 'running' }],
    ],
  });
  assert.equal(
    line,
    'vm_telemetry,vm=one-71 domain_id=-1i,disk_read_bytes=9223372036854775i,cpu_usage_percent=45,state="running" 1000'
  );
});

test('tags are sorted by key and escaped; empty tag values are left out', () => {
  const line = encodePoint({
    ...base,
    tags: [
      ['vm', 'a b,c=d'],
      ['host', ''],
      ['uuid', 'u'],
    ],
  });
  assert.equal(line, 'vm_telemetry,uuid=u,vm=a\\ b\\,c\\=d x=1.5 1000');
});

test('line breaks in names cannot end the line', () => {
  const line = encodePoint({ ...base, tags: [['vm', 'evil\nvm_telemetry,vm=x y=1']] });
  assert.equal(line.split('\n').length, 1);
  assert.match(line, /^vm_telemetry,vm=evil\\nvm_telemetry\\,vm\\=x\\ y\\=1 x=1\.5 1000$/);
});

test('string fields escape quotes and backslashes', () => {
  const line = encodePoint({ ...base, fields: [['state', { type: 'string', value: 'say "hi" \\o/' }]] });
  assert.equal(line, 'vm_telemetry state="say \\"hi\\" \\\\o/" 1000');
});

test('bad values are refused with the field named', () => {
  assert.throws(() => encodePoint({ ...base, fields: [['cpu', { type: 'float', value: NaN }]] }), /field cpu: NaN/);
  assert.throws(
    () => encodePoint({ ...base, fields: [['bytes', { type: 'integer', value: 1n << 63n }]] }),
    LineProtocolError
  );
  assert.throws(() => encodePoint({ ...base, fields: [] }), /has no fields/);
});

test('a trailing backslash, which InfluxDB refuses in a tag value, becomes U+29F5 (docs/CONTRACT.md)', () => {
  assert.equal(encodePoint({ ...base, tags: [['vm', 'win\\']] }), 'vm_telemetry,vm=win\u29f5 x=1.5 1000');
  assert.equal(encodePoint({ ...base, tags: [['vm', '\\\\']] }), 'vm_telemetry,vm=\\\u29f5 x=1.5 1000');
  assert.equal(encodePoint({ ...base, tags: [['vm', 'a\\ b\\,c']] }), 'vm_telemetry,vm=a\\\\ b\\\\,c x=1.5 1000', 'a backslash elsewhere is literal');
});
