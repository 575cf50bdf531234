// The client against the host's libvirtd (test driver through the daemon),
// on the read-write and the read-only socket, checked against virsh.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { LibvirtClient } from '../../src/libvirt/client.js';
import { RpcConnection } from '../../src/libvirt/connection.js';
import {
  ConnectFlag,
  DomainState,
  DomainStatsGroup,
  ErrorCode,
  GetAllDomainStatsFlag,
  ListAllDomainsFlag,
  MemoryStatTag,
} from '../../src/libvirt/constants.js';
import { LibvirtError, SocketMissingError } from '../../src/libvirt/errors.js';
import { encodeConnectOpenArgs, encodeDomainArgs, Procedure } from '../../src/libvirt/procedures.js';
import type { DomainRef } from '../../src/libvirt/remote-types.js';
import { ensureSystemLibvirtd, RO_SOCKET, RW_SOCKET, type SystemLibvirtd } from './system-libvirtd.js';

const URI = 'test:///default';
const VIRSH_URI = 'test+unix:///default';
const REMOTE_PROC_DOMAIN_SUSPEND = 34;

const virsh = (...args: string[]) => execFileSync('virsh', ['-c', VIRSH_URI, ...args], { encoding: 'utf8' });
/** "key value" or "key: value" lines of virsh output as a map. */
function virshFields(output: string, separator: RegExp): Map<string, string> {
  return new Map(
    output
      .split('\n')
      .map((line) => line.trim().split(separator))
      .filter((parts) => parts.length >= 2)
      .map(([key, ...rest]) => [key!, rest.join(' ').trim()])
  );
}

let system: SystemLibvirtd;
before(() => {
  system = ensureSystemLibvirtd();
});
after(() => {
  system?.release();
});

for (const [label, socketPath] of [
  ['read-write socket', RW_SOCKET],
  ['read-only socket', RO_SOCKET],
] as const) {
  describe(`test driver over the ${label}`, () => {
    let client: LibvirtClient;
    let domain: DomainRef;
    before(async () => {
      client = await LibvirtClient.connect({ socketPath, uri: URI, readOnly: socketPath === RO_SOCKET });
      domain = (await client.listAllDomains()).find((d) => d.name === 'test')!;
    });
    after(async () => {
      await client?.close();
    });

    test("library version and hostname are the daemon's", async () => {
      const daemonVersion = /Running against daemon: (\d+)\.(\d+)\.(\d+)/.exec(virsh('version', '--daemon'))!;
      const [major, minor, micro] = daemonVersion.slice(1).map(Number);
      assert.equal(await client.getLibVersion(), major! * 1_000_000 + minor! * 1000 + micro!);
      assert.equal(await client.getHostname(), virsh('hostname').trim());
    });

    test('listAllDomains matches virsh list', async () => {
      const domains = await client.listAllDomains();
      assert.deepEqual(
        domains.map((d) => d.uuid).sort(),
        virsh('list', '--all', '--uuid').split('\n').filter(Boolean).sort()
      );
      assert.deepEqual(
        domains.map((d) => d.name).sort(),
        virsh('list', '--all', '--name').split('\n').filter(Boolean).sort()
      );
      assert.equal(domain.id, Number(virsh('domid', 'test').trim()));
      assert.deepEqual(await client.listAllDomains(ListAllDomainsFlag.INACTIVE), []);
      assert.deepEqual(await client.listAllDomains(ListAllDomainsFlag.ACTIVE), [domain]);
    });

    test('getAllDomainStats matches virsh domstats --raw (the test driver has only the state group)', async () => {
      const records = await client.getAllDomainStats(0, GetAllDomainStatsFlag.NOWAIT);
      const record = records.find((r) => r.domain.name === 'test')!;
      assert.deepEqual(record.domain, domain);
      const fromVirsh = virshFields(virsh('domstats', '--raw', 'test'), /=/);
      assert.deepEqual([...record.params.keys()].sort(), [...fromVirsh.keys()].sort());
      for (const [key, value] of record.params) {
        assert.equal(String(value), fromVirsh.get(key), key);
      }
      assert.equal(record.params.get('state.state'), DomainState.RUNNING);
    });

    test('getAllDomainStats for a given list of domains and groups', async () => {
      const records = await client.getAllDomainStats(
        DomainStatsGroup.STATE | DomainStatsGroup.CPU_TOTAL | DomainStatsGroup.BALLOON,
        0,
        [domain]
      );
      assert.deepEqual(
        records.map((r) => r.domain),
        [domain]
      );
    });

    test('domainGetInfo matches virsh dominfo', async () => {
      const info = await client.domainGetInfo(domain);
      const fromVirsh = virshFields(virsh('dominfo', 'test'), /:\s+/);
      assert.equal(info.state, DomainState.RUNNING);
      assert.equal(fromVirsh.get('State'), 'running');
      assert.equal(`${info.maxMemKiB} KiB`, fromVirsh.get('Max memory'));
      assert.equal(`${info.memoryKiB} KiB`, fromVirsh.get('Used memory'));
      assert.equal(String(info.nrVirtCpu), fromVirsh.get('CPU(s)'));
      assert.ok(info.cpuTimeNs > 0n);
    });

    test('domainMemoryStats matches virsh dommemstat', async () => {
      const stats = await client.domainMemoryStats(domain);
      const fromVirsh = virshFields(virsh('dommemstat', 'test'), /\s+/);
      const names: Record<string, number> = {
        actual: MemoryStatTag.ACTUAL_BALLOON,
        swap_in: MemoryStatTag.SWAP_IN,
        unused: MemoryStatTag.UNUSED,
        available: MemoryStatTag.AVAILABLE,
        usable: MemoryStatTag.USABLE,
        rss: MemoryStatTag.RSS,
        disk_caches: MemoryStatTag.DISK_CACHES,
      };
      for (const [name, tag] of Object.entries(names)) {
        assert.equal(String(stats.get(tag)), fromVirsh.get(name), name);
      }
    });

    test('block and interface counters bracket the values virsh reads between two of our calls', async () => {
      // The test driver derives them from the clock, so they only grow.
      const blockBefore = await client.domainBlockStats(domain, 'vda');
      const virshRd = BigInt(/vda rd_bytes (\d+)/.exec(virsh('domblkstat', 'test', 'vda'))![1]!);
      const blockAfter = await client.domainBlockStats(domain, 'vda');
      assert.ok(
        blockBefore.rdBytes <= virshRd && virshRd <= blockAfter.rdBytes,
        `${blockBefore.rdBytes} <= ${virshRd} <= ${blockAfter.rdBytes}`
      );

      const netBefore = await client.domainInterfaceStats(domain, 'testnet0');
      const virshRx = BigInt(/testnet0 rx_bytes (\d+)/.exec(virsh('domifstat', 'test', 'testnet0'))![1]!);
      const netAfter = await client.domainInterfaceStats(domain, 'testnet0');
      assert.ok(
        netBefore.rxBytes <= virshRx && virshRx <= netAfter.rxBytes,
        `${netBefore.rxBytes} <= ${virshRx} <= ${netAfter.rxBytes}`
      );
    });

    test('domainGetXMLDesc is what virsh dumpxml prints', async () => {
      // virsh prints one more newline after the document.
      assert.equal(`${await client.domainGetXMLDesc(domain)}\n`, virsh('dumpxml', 'test'));
    });

    test('a domain that does not exist is a LibvirtError with code NO_DOMAIN', async () => {
      const ghost = { name: 'ghost', uuid: '00000000-0000-0000-0000-000000000001', id: 99 };
      await assert.rejects(client.domainGetInfo(ghost), (error: unknown) => {
        assert.ok(error instanceof LibvirtError);
        assert.equal(error.code, ErrorCode.NO_DOMAIN);
        assert.match(error.message, /^DOMAIN_GET_INFO: Domain not found/);
        return true;
      });
      await assert.rejects(client.lookupDomainByName('ghost'), { code: ErrorCode.NO_DOMAIN });
      assert.deepEqual(await client.lookupDomainByName('test'), domain);
    });

    test('a device that does not exist is a LibvirtError naming it', async () => {
      await assert.rejects(client.domainBlockStats(domain, 'sdz'), (error: unknown) => {
        assert.ok(error instanceof LibvirtError);
        assert.match(error.message, /sdz/);
        return true;
      });
    });
  });
}

describe('read-only access', () => {
  // A write call on a read-only connection must be refused by the daemon
  // before it acts, so these tests never change the shared test domain.
  async function openRaw(socketPath: string, flags: number): Promise<RpcConnection> {
    const connection = await RpcConnection.open({ socketPath });
    await connection.call(Procedure.AUTH_LIST);
    await connection.call(Procedure.CONNECT_OPEN, encodeConnectOpenArgs(URI, flags));
    return connection;
  }
  const testDomain = async () => {
    const client = await LibvirtClient.connect({ socketPath: RO_SOCKET, uri: URI });
    const [domain] = await client.listAllDomains();
    await client.close();
    return domain!;
  };

  test('the read-only socket is read-only even without VIR_CONNECT_RO in connect-open flags', async () => {
    const connection = await openRaw(RO_SOCKET, 0);
    await assert.rejects(
      connection.call(REMOTE_PROC_DOMAIN_SUSPEND, encodeDomainArgs(await testDomain())),
      (error: unknown) => {
        assert.ok(error instanceof LibvirtError);
        assert.equal(error.code, ErrorCode.OPERATION_DENIED);
        return true;
      }
    );
    await connection.close();
  });

  test('readOnly on the read-write socket sends VIR_CONNECT_RO and the daemon enforces it', async () => {
    const connection = await openRaw(RW_SOCKET, ConnectFlag.RO);
    await assert.rejects(connection.call(REMOTE_PROC_DOMAIN_SUSPEND, encodeDomainArgs(await testDomain())), {
      code: ErrorCode.OPERATION_DENIED,
    });
    await connection.close();
  });
});

describe('connection errors', () => {
  test('a socket path that does not exist is a SocketMissingError naming the path', async () => {
    await assert.rejects(LibvirtClient.connect({ socketPath: '/run/libvirt/no-such-sock' }), (error: unknown) => {
      assert.ok(error instanceof SocketMissingError);
      assert.equal(error.code, 'ENOENT');
      assert.match(error.message, /libvirt socket \/run\/libvirt\/no-such-sock does not exist: is libvirtd running/);
      return true;
    });
  });

  test('a driver URI the daemon does not know is a LibvirtError from connect', async () => {
    await assert.rejects(
      LibvirtClient.connect({ socketPath: RO_SOCKET, uri: 'nosuchdriver:///x' }),
      (error: unknown) => {
        assert.ok(error instanceof LibvirtError);
        assert.match(error.message, /^CONNECT_OPEN: /);
        return true;
      }
    );
  });
});
