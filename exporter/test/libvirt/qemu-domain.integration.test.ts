// The client against the qemu driver of a libvirtd of this test's own
// (scripts/libvirt/start.sh --private DIR --netns NAME), with a real QEMU
// process (TCG): a transient domain with a virtio disk and balloon but no
// operating system (it boots into the firmware), enough for the driver to fill
// every bulk stats group with real typed parameters. Guests that run a kernel
// and generate load: guest.integration.test.ts.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LibvirtClient } from '../../src/libvirt/client.js';
import {
  DomainState,
  DomainStatsGroup,
  GetAllDomainStatsFlag,
  ListAllDomainsFlag,
  MemoryStatTag,
} from '../../src/libvirt/constants.js';
import type { DomainRef } from '../../src/libvirt/remote-types.js';
import { PrivateLibvirtd } from '../support/libvirt-daemon.js';

const NAME = `vmt-libvirt-client-${process.pid}`;
const virsh = (...args: string[]) => execFileSync('virsh', ['-c', daemon.uri, ...args], { encoding: 'utf8' });
const EXPORTER_GROUPS =
  DomainStatsGroup.STATE |
  DomainStatsGroup.CPU_TOTAL |
  DomainStatsGroup.BALLOON |
  DomainStatsGroup.VCPU |
  DomainStatsGroup.INTERFACE |
  DomainStatsGroup.BLOCK;

let daemon: PrivateLibvirtd;
let dir: string;
let client: LibvirtClient;
let domain: DomainRef;

before(async () => {
  daemon = await PrivateLibvirtd.start(`vmt-qd-${process.pid}`);
  dir = mkdtempSync('/tmp/vmt-qemu-domain-');
  const disk = path.join(dir, 'disk.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']);
  const xml = path.join(dir, 'domain.xml');
  writeFileSync(
    xml,
    `<domain type='qemu'>
  <name>${NAME}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
    <memballoon model='virtio'><stats period='1'/></memballoon>
  </devices>
</domain>
`
  );
  virsh('create', xml);
  // A bound, not a measure: the first bulk call of a connection loads libvirtd's storage
  // backends (6 s here quiet; past the default 10 s at load 36).
  client = await LibvirtClient.connect({ socketPath: daemon.socketRo, uri: 'qemu:///system', readOnly: true, callTimeoutMs: 60_000 });
  domain = await client.lookupDomainByName(NAME);
});

after(async () => {
  await client?.close();
  await daemon?.stop(); // destroys the domain (transient: gone then)
  if (dir) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `virsh domstats --raw` of our domain as a map. */
function virshDomstats(): Map<string, string> {
  return new Map(
    virsh('domstats', '--raw', NAME)
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
  );
}

describe('qemu driver, real QEMU process', () => {
  test('the domain is listed as active with its UUID', async () => {
    const active = await client.listAllDomains(ListAllDomainsFlag.ACTIVE);
    const listed = active.find((d) => d.name === NAME);
    assert.deepEqual(listed, domain);
    assert.equal(domain.uuid, virsh('domuuid', NAME).trim());
    assert.ok(domain.id > 0);
  });

  test('bulk stats have every group the exporter asks for, with the same fields and values as virsh', async () => {
    const [before] = await client.getAllDomainStats(EXPORTER_GROUPS, GetAllDomainStatsFlag.NOWAIT, [domain]);
    const fromVirsh = virshDomstats();
    const [after] = await client.getAllDomainStats(EXPORTER_GROUPS, GetAllDomainStatsFlag.NOWAIT, [domain]);
    const params = before!.params;
    // virsh asks for all groups; compare the ones we asked for.
    const ourGroups = /^(state|cpu|balloon|vcpu|net|block)\./;
    assert.deepEqual([...params.keys()].sort(), [...fromVirsh.keys()].filter((key) => ourGroups.test(key)).sort());
    assert.equal(params.get('state.state'), DomainState.RUNNING);
    assert.equal(typeof params.get('cpu.time'), 'bigint');
    assert.equal(params.get('block.count'), 1);
    assert.equal(params.get('block.0.name'), 'vda');
    assert.equal(params.get('block.0.path'), path.join(dir, 'disk.qcow2'));
    assert.equal(params.get('block.0.capacity'), 64n * 1024n * 1024n);
    assert.equal(params.get('balloon.maximum'), 65536n);
    assert.equal(params.get('vcpu.current'), 1);
    assert.equal(params.get('net.count'), 0);
    // Strings equal; numbers (counters or fixed) between our two samples,
    // except RSS, which may shrink.
    for (const [key, value] of params) {
      const virshValue = fromVirsh.get(key)!;
      if (typeof value === 'string' || typeof value === 'boolean') {
        assert.equal(String(value), virshValue, key);
      } else if (key !== 'balloon.rss') {
        const later = after!.params.get(key)!;
        const [low, seen, high] = [value, virshValue, later].map((v) => BigInt(v as string | number | bigint));
        assert.ok(low! <= seen! && seen! <= high!, `${key}: ${low} <= ${seen} <= ${high}`);
      }
    }
  });

  test('domainGetInfo, domainMemoryStats and domainBlockStats agree with virsh', async () => {
    const info = await client.domainGetInfo(domain);
    assert.equal(info.state, DomainState.RUNNING);
    assert.equal(info.maxMemKiB, 65536n);
    assert.equal(info.nrVirtCpu, 1);
    assert.ok(info.cpuTimeNs > 0n);

    const memory = await client.domainMemoryStats(domain);
    const virshMemory = new Map(
      virsh('dommemstat', NAME)
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ') as [string, string])
    );
    assert.equal(String(memory.get(MemoryStatTag.ACTUAL_BALLOON)), virshMemory.get('actual'));
    assert.ok(memory.has(MemoryStatTag.RSS));

    // The firmware may still be reading the disk: virsh's counters lie between two of ours.
    const blockBefore = await client.domainBlockStats(domain, 'vda');
    const virshBlock = virsh('domblkstat', NAME, 'vda');
    const blockAfter = await client.domainBlockStats(domain, 'vda');
    for (const [field, key] of [
      ['rd_req', 'rdReq'],
      ['rd_bytes', 'rdBytes'],
      ['wr_req', 'wrReq'],
      ['wr_bytes', 'wrBytes'],
    ] as const) {
      const seen = BigInt(new RegExp(`vda ${field} (\\d+)`).exec(virshBlock)![1]!);
      const [low, high] = [blockBefore[key], blockAfter[key]];
      assert.ok(low <= seen && seen <= high, `${field}: ${low} <= ${seen} <= ${high}`);
    }
  });

  test('the domain XML is the live definition', async () => {
    const xml = await client.domainGetXMLDesc(domain);
    assert.match(xml, new RegExp(`<name>${NAME}</name>`));
    assert.match(xml, /<target dev='vda' bus='virtio'\/>/);
  });
});
