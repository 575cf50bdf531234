import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DOMAIN_EVENT_DETAILS, DomainEventType, DomainState, MemoryStatTag } from '../../src/libvirt/constants.js';
import {
  AuthType,
  decodeAuthListRet,
  decodeAuthPolkitRet,
  decodeConnectDomainEventCallbackRegisterAnyRet,
  decodeConnectGetAllDomainStatsRet,
  decodeConnectGetLibVersionRet,
  decodeConnectListAllDomainsRet,
  decodeDomainBlockStatsRet,
  decodeDomainEventCallbackLifecycleMsg,
  decodeDomainEventCallbackRebootMsg,
  decodeDomainGetInfoRet,
  decodeDomainGetXmlDescRet,
  decodeDomainInterfaceStatsRet,
  decodeDomainMemoryStatsRet,
  encodeConnectDomainEventCallbackRegisterAnyArgs,
  encodeConnectGetAllDomainStatsArgs,
  encodeConnectListAllDomainsArgs,
  encodeConnectOpenArgs,
  encodeDomainDeviceArgs,
  encodeDomainGetXmlDescArgs,
  encodeDomainMemoryStatsArgs,
  procedureName,
} from '../../src/libvirt/procedures.js';
import { formatUuid, parseUuid } from '../../src/libvirt/remote-types.js';
import { XdrError } from '../../src/libvirt/xdr/xdr-error.js';
import { capturedPayload, TEST_DOMAIN } from './fixtures/replies.js';

const hex = (text: string) => Buffer.from(text.replaceAll(' ', ''), 'hex');
// remote_nonnull_domain of TEST_DOMAIN: name "test", 16 uuid bytes, id 1.
const TEST_DOMAIN_XDR = '00000004 74657374 6695eb01f6a4830479aa97f2502e193f 00000001';

describe('argument encoders produce remote_protocol.x layouts', () => {
  test('connect open: optional name then flags', () => {
    assert.equal(
      encodeConnectOpenArgs('test:///default', 1).toString('hex'),
      hex('00000001 0000000f 746573743a2f2f2f64656661756c7400 00000001').toString('hex')
    );
    assert.equal(encodeConnectOpenArgs(null, 0).toString('hex'), '0000000000000000');
  });

  test('list all domains asks for results', () => {
    assert.equal(encodeConnectListAllDomainsArgs(3).toString('hex'), '0000000100000003');
  });

  test('get all domain stats: domain array, stats, flags (NOWAIT and ENFORCE_STATS fit in an unsigned int)', () => {
    assert.equal(
      encodeConnectGetAllDomainStatsArgs([], 0x3f, 1 << 29).toString('hex'),
      '00000000' + '0000003f' + '20000000'
    );
    assert.equal(
      encodeConnectGetAllDomainStatsArgs([TEST_DOMAIN], 1, 0x8000_0000).toString('hex'),
      hex(`00000001 ${TEST_DOMAIN_XDR} 00000001 80000000`).toString('hex')
    );
  });

  test('per-domain calls', () => {
    assert.equal(
      encodeDomainMemoryStatsArgs(TEST_DOMAIN, 13, 0).toString('hex'),
      hex(`${TEST_DOMAIN_XDR} 0000000d 00000000`).toString('hex')
    );
    assert.equal(
      encodeDomainDeviceArgs(TEST_DOMAIN, 'vda').toString('hex'),
      hex(`${TEST_DOMAIN_XDR} 00000003 76646100`).toString('hex')
    );
    assert.equal(
      encodeDomainGetXmlDescArgs(TEST_DOMAIN, 2).toString('hex'),
      hex(`${TEST_DOMAIN_XDR} 00000002`).toString('hex')
    );
  });

  test('a malformed UUID in a DomainRef is refused with the value', () => {
    assert.throws(() => encodeDomainGetXmlDescArgs({ ...TEST_DOMAIN, uuid: 'not-a-uuid' }, 0), {
      name: 'XdrError',
      message: /not a UUID: "not-a-uuid"/,
    });
  });
});

describe('reply decoders on bytes captured from libvirtd (test driver)', () => {
  test('auth list', () => {
    assert.deepEqual(decodeAuthListRet(capturedPayload('AUTH_LIST')), [AuthType.NONE]);
  });

  test('lib version 9.0.0', () => {
    assert.equal(decodeConnectGetLibVersionRet(capturedPayload('CONNECT_GET_LIB_VERSION')), 9_000_000n);
  });

  test('list all domains: name, canonical UUID, id', () => {
    assert.deepEqual(decodeConnectListAllDomainsRet(capturedPayload('CONNECT_LIST_ALL_DOMAINS')), [TEST_DOMAIN]);
  });

  test('bulk stats of the test driver carry only the state group', () => {
    const records = decodeConnectGetAllDomainStatsRet(capturedPayload('CONNECT_GET_ALL_DOMAIN_STATS'));
    assert.equal(records.length, 1);
    assert.deepEqual(records[0]!.domain, TEST_DOMAIN);
    assert.deepEqual(
      records[0]!.params,
      new Map<string, number>([
        ['state.state', DomainState.RUNNING],
        ['state.reason', 0],
      ])
    );
  });

  test('domain info', () => {
    const info = decodeDomainGetInfoRet(capturedPayload('DOMAIN_GET_INFO'));
    assert.equal(info.state, DomainState.RUNNING);
    assert.equal(info.maxMemKiB, 8_388_608n);
    assert.equal(info.memoryKiB, 2_097_152n);
    assert.equal(info.nrVirtCpu, 2);
    assert.equal(typeof info.cpuTimeNs, 'bigint');
    assert.ok(info.cpuTimeNs > 0n);
  });

  test('memory stats by tag', () => {
    const stats = decodeDomainMemoryStatsRet(capturedPayload('DOMAIN_MEMORY_STATS'));
    assert.equal(stats.size, 13);
    assert.equal(stats.get(MemoryStatTag.ACTUAL_BALLOON), 2_097_152n);
    assert.equal(stats.get(MemoryStatTag.AVAILABLE), 2_097_152n);
    assert.equal(stats.get(MemoryStatTag.UNUSED), 1_048_576n);
    assert.equal(stats.get(MemoryStatTag.USABLE), 1_048_576n);
  });

  test('block and interface stats are 64-bit counters', () => {
    const block = decodeDomainBlockStatsRet(capturedPayload('DOMAIN_BLOCK_STATS'));
    assert.deepEqual(Object.keys(block), ['rdReq', 'rdBytes', 'wrReq', 'wrBytes', 'errs']);
    assert.ok(Object.values(block).every((v) => typeof v === 'bigint' && v > 0n));
    // Beyond 2^32: the test driver derives them from the clock in microseconds.
    assert.ok(block.rdBytes > 0xffff_ffffn);
    const net = decodeDomainInterfaceStatsRet(capturedPayload('DOMAIN_INTERFACE_STATS'));
    assert.equal(Object.keys(net).length, 8);
    assert.ok(net.rxBytes > net.rxPackets);
  });

  test('XML description', () => {
    const xml = decodeDomainGetXmlDescRet(capturedPayload('DOMAIN_GET_XML_DESC'));
    assert.match(xml, /^<domain type='test' id='1'>/);
    assert.match(xml, /<uuid>6695eb01-f6a4-8304-79aa-97f2502e193f<\/uuid>/);
  });

  test('a reply with trailing bytes means a layout mismatch and is refused', () => {
    const payload = Buffer.concat([capturedPayload('CONNECT_GET_LIB_VERSION'), Buffer.alloc(4)]);
    assert.throws(
      () => decodeConnectGetLibVersionRet(payload),
      /trailing bytes after remote_connect_get_lib_version_ret/
    );
  });

  test('a truncated reply is refused', () => {
    assert.throws(() => decodeDomainGetInfoRet(capturedPayload('DOMAIN_GET_INFO').subarray(0, 20)), XdrError);
  });
});

describe('small helpers', () => {
  test('polkit reply', () => {
    assert.equal(decodeAuthPolkitRet(hex('00000001')), true);
    assert.equal(decodeAuthPolkitRet(hex('00000000')), false);
  });

  test('UUIDs round-trip and accept the undashed form', () => {
    const bytes = parseUuid('6695EB01F6A4830479AA97F2502E193F');
    assert.equal(formatUuid(bytes), TEST_DOMAIN.uuid);
    assert.deepEqual(parseUuid(TEST_DOMAIN.uuid), bytes);
  });

  test('procedure names for messages', () => {
    assert.equal(procedureName(344), 'CONNECT_GET_ALL_DOMAIN_STATS');
    assert.equal(procedureName(9999), 'procedure 9999');
  });
});

describe('domain event layouts', () => {
  test('register-any: event id, then an optional domain (absent = every domain)', () => {
    assert.equal(encodeConnectDomainEventCallbackRegisterAnyArgs(0, null).toString('hex'), '0000000000000000');
    assert.equal(
      encodeConnectDomainEventCallbackRegisterAnyArgs(1, TEST_DOMAIN).toString('hex'),
      hex(`00000001 00000001 ${TEST_DOMAIN_XDR}`).toString('hex')
    );
    assert.equal(decodeConnectDomainEventCallbackRegisterAnyRet(hex('00000007')), 7);
  });

  test('lifecycle message: callback id, domain, event, detail', () => {
    // What libvirtd 9.0 sends for `virsh destroy test` on the test driver (STOPPED, DESTROYED).
    const message = decodeDomainEventCallbackLifecycleMsg(
      hex('00000000 00000004 74657374 6695eb01f6a4830479aa97f2502e193f ffffffff 00000005 00000001')
    );
    assert.deepEqual(message, {
      callbackId: 0,
      domain: { ...TEST_DOMAIN, id: -1 },
      event: DomainEventType.STOPPED,
      detail: 1,
    });
    assert.throws(() => decodeDomainEventCallbackLifecycleMsg(hex('00000000 00000004 74657374')), XdrError);
  });

  test('reboot message: callback id, domain', () => {
    assert.deepEqual(decodeDomainEventCallbackRebootMsg(hex(`00000001 ${TEST_DOMAIN_XDR}`)), { callbackId: 1, domain: TEST_DOMAIN });
  });

  test('every lifecycle event type has its detail names', () => {
    for (const type of Object.values(DomainEventType)) {
      assert.ok(DOMAIN_EVENT_DETAILS[type]!.length > 0, `event ${type}`);
    }
    assert.equal(DOMAIN_EVENT_DETAILS[DomainEventType.STOPPED]![1], 'destroyed');
    assert.equal(procedureName(318), 'DOMAIN_EVENT_CALLBACK_LIFECYCLE');
  });
});
