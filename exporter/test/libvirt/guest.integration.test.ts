// The client against a real test guest (scripts/guest: Debian's kernel under
// TCG, busybox /init generating CPU, disk and network load, balloon stats each
// second), on a private libvirtd with the qemu driver in a network namespace
// of its own (scripts/libvirt/start.sh --private DIR --netns NS), so the
// guest's traffic stays there and the host's daemon is not touched.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LibvirtClient } from '../../src/libvirt/client.js';
import { DomainState, DomainStatsGroup, GetAllDomainStatsFlag, MemoryStatTag } from '../../src/libvirt/constants.js';
import type { DomainStatsRecord } from '../../src/libvirt/procedures.js';
import type { DomainRef } from '../../src/libvirt/remote-types.js';
import { PrivateLibvirtd } from '../support/libvirt-daemon.js';
import { runScript } from '../support/scripts.js';

const NAME = `vmt-lvc-${process.pid}`;
const GROUPS =
  DomainStatsGroup.STATE |
  DomainStatsGroup.CPU_TOTAL |
  DomainStatsGroup.BALLOON |
  DomainStatsGroup.VCPU |
  DomainStatsGroup.INTERFACE |
  DomainStatsGroup.BLOCK;
// Bounds on waiting for the guest to do something, never assertions on speed.
const PATIENCE_MS = 60_000;

let daemon: PrivateLibvirtd;
let guest: Record<string, string>;
let client: LibvirtClient;
let domain: DomainRef;

before(async () => {
  daemon = await PrivateLibvirtd.start(`vmt-lvc-${process.pid}`);
  guest = await runScript('guest/start.sh', [NAME, 'cpu:25,disk,net'], { timeoutMs: 300_000, env: guestScriptEnv() });
  // A bound, not a measure: the first bulk call of a connection loads libvirtd's storage
  // backends (6 s here quiet; past the default 10 s at load 36).
  client = await LibvirtClient.connect({ socketPath: daemon.socketRo, uri: 'qemu:///system', readOnly: true, callTimeoutMs: 60_000 });
  domain = await client.lookupDomainByName(NAME);
});

after(async () => {
  await client?.close();
  try {
    await runScript('guest/stop.sh', [NAME], { timeoutMs: 120_000, env: guestScriptEnv() });
  } finally {
    await daemon?.stop(); // also destroys whatever guest is left and deletes the namespace
  }
});

/** scripts/guest talks to the daemon named by LIBVIRT_URI and LIBVIRT_NETNS. */
function guestScriptEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LIBVIRT_URI: daemon.uri, LIBVIRT_NETNS: daemon.netns };
}

async function stats(): Promise<DomainStatsRecord> {
  const [record] = await client.getAllDomainStats(GROUPS, GetAllDomainStatsFlag.NOWAIT, [domain]);
  assert.deepEqual(record!.domain, domain);
  return record!;
}

/** Samples until `check` holds for a sample, within PATIENCE_MS. */
async function eventually(what: string, check: (record: DomainStatsRecord) => boolean): Promise<DomainStatsRecord> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const record = await stats();
    if (check(record)) {
      return record;
    }
    assert.ok(Date.now() < deadline, `${what}: not seen within ${PATIENCE_MS} ms; last sample ${inspect(record)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function inspect(record: DomainStatsRecord): string {
  return JSON.stringify(Object.fromEntries(record.params), (_key, value) =>
    typeof value === 'bigint' ? value.toString() : value
  );
}

const counter = (record: DomainStatsRecord, key: string) => {
  const value = record.params.get(key);
  assert.equal(typeof value, 'bigint', `${key} is a 64-bit counter`);
  return value as bigint;
};

describe('real guest under load', () => {
  test('bulk stats carry cpu, balloon (from the guest driver), vcpu, block and net groups', async () => {
    const record = await eventually('balloon stats from the guest', (r) => r.params.has('balloon.usable'));
    const params = record.params;
    assert.equal(params.get('state.state'), DomainState.RUNNING);
    for (const key of [
      'cpu.time',
      'vcpu.0.time',
      'balloon.current',
      'balloon.available',
      'balloon.unused',
      'balloon.usable',
    ]) {
      counter(record, key);
    }
    assert.ok(counter(record, 'balloon.usable') <= counter(record, 'balloon.available'));
    assert.equal(params.get('block.count'), 1);
    assert.equal(params.get('block.0.name'), 'vda');
    assert.equal(params.get('net.count'), 1);
    assert.equal(params.get('net.0.name'), guest['GUEST_TAP']);
    counter(record, 'net.0.rx.bytes');
    counter(record, 'net.0.tx.bytes');
  });

  test("the counters move with the guest's CPU, disk and network load", async () => {
    const first = await stats();
    const grew = (key: string) => (r: DomainStatsRecord) => counter(r, key) > counter(first, key);
    await eventually('cpu.time grows', grew('cpu.time'));
    await eventually('block.0.wr.bytes grows', grew('block.0.wr.bytes'));
    await eventually('block.0.rd.bytes grows', grew('block.0.rd.bytes'));
    // The guest pings its peer: bytes flow both ways.
    await eventually('net.0.rx.bytes grows', grew('net.0.rx.bytes'));
    await eventually('net.0.tx.bytes grows', grew('net.0.tx.bytes'));
  });

  test('per-domain calls agree with the bulk stats', async () => {
    const tap = guest['GUEST_TAP']!;
    const before = await stats();
    const net = await client.domainInterfaceStats(domain, tap);
    const block = await client.domainBlockStats(domain, 'vda');
    const memory = await client.domainMemoryStats(domain);
    const info = await client.domainGetInfo(domain);
    const after = await stats();
    const between = (key: string, value: bigint) => {
      assert.ok(
        counter(before, key) <= value && value <= counter(after, key),
        `${key}: ${counter(before, key)} <= ${value} <= ${counter(after, key)}`
      );
    };
    between('net.0.rx.bytes', net.rxBytes);
    between('net.0.tx.bytes', net.txBytes);
    between('block.0.wr.bytes', block.wrBytes);
    between('block.0.rd.reqs', block.rdReq);
    assert.ok(memory.has(MemoryStatTag.AVAILABLE) && memory.has(MemoryStatTag.USABLE));
    assert.equal(memory.get(MemoryStatTag.ACTUAL_BALLOON), counter(after, 'balloon.current'));
    assert.equal(info.state, DomainState.RUNNING);
    assert.equal(info.nrVirtCpu, 1);
    assert.equal(info.maxMemKiB, 192n * 1024n);
  });
});
