// A scripted stand-in for LibvirtClient's stats calls in unit tests: VMs
// whose counters the test sets, a bulk call that returns the groups the
// test chooses (like libvirt's test driver: only state), and calls that
// can be made to hang or fail.

import {
  CallTimeoutError,
  DomainState,
  DomainStatsGroup,
  ErrorCode,
  LibvirtError,
  MemoryStatTag,
  type BlockStats,
  type DomainInfo,
  type DomainRef,
  type DomainStatsRecord,
  type InterfaceStats,
  type TypedParamValue,
} from '../../src/libvirt/index.js';
import type { StatsClient } from '../../src/collector/collector.js';

export interface FakeVm {
  ref: DomainRef;
  state: number;
  cpuTimeNs: bigint;
  vcpus: number;
  memory: Map<number, bigint>;
  disks: Map<string, { rdBytes: bigint; wrBytes: bigint; rdReq: bigint; wrReq: bigint }>;
  nics: Map<string, { rxBytes: bigint; txBytes: bigint }>;
  /** Every call about this VM stalls until this promise settles. */
  stuck?: Promise<void>;
}

export function fakeVm(name: string, id: number, overrides: Partial<FakeVm> = {}): FakeVm {
  return {
    ref: { name, uuid: `00000000-0000-0000-0000-${String(id + 1000).padStart(12, '0')}`, id },
    state: id === -1 ? DomainState.SHUTOFF : DomainState.RUNNING,
    cpuTimeNs: 0n,
    vcpus: 2,
    memory: new Map([
      [MemoryStatTag.AVAILABLE, 1000n],
      [MemoryStatTag.USABLE, 750n],
      [MemoryStatTag.UNUSED, 500n],
      [MemoryStatTag.ACTUAL_BALLOON, 1024n],
    ]),
    disks: new Map([['vda', { rdBytes: 100n, wrBytes: 200n, rdReq: 1n, wrReq: 2n }]]),
    nics: new Map([['vnet0', { rxBytes: 10n, txBytes: 20n }]]),
    ...overrides,
  };
}

export class FakeLibvirt implements StatsClient {
  vms: FakeVm[] = [];
  /** 'full': the bulk call has every group (like qemu); 'state': only state (like the test driver). */
  bulkGroups: 'full' | 'state' = 'full';
  calls: string[] = [];
  /** Bulk calls throw this while set. */
  bulkError: Error | undefined;
  /** The stats groups (DomainStatsGroup flags) each bulk call asked for. */
  bulkAsked: number[] = [];

  private vm(domain: DomainRef): FakeVm {
    const vm = this.vms.find((v) => v.ref.uuid === domain.uuid && v.ref.id === domain.id);
    if (!vm) {
      throw new LibvirtError({ code: ErrorCode.NO_DOMAIN, domain: 10, message: `no domain ${domain.name}`, level: 2, str1: null, str2: null, str3: null, int1: 0, int2: 0 });
    }
    return vm;
  }

  private async call<T>(name: string, domain: DomainRef, result: (vm: FakeVm) => T): Promise<T> {
    this.calls.push(`${name}:${domain.name}`);
    const vm = this.vm(domain);
    if (vm.stuck) {
      await Promise.race([vm.stuck, new Promise((r) => setTimeout(r, 50))]);
      throw new CallTimeoutError(name, 50);
    }
    return result(vm);
  }

  private record(vm: FakeVm, stats: number): DomainStatsRecord {
    const params = new Map<string, TypedParamValue>([
      ['state.state', vm.state],
      ['state.reason', 0],
    ]);
    const asked = (group: number): boolean => this.bulkGroups === 'full' && vm.ref.id !== -1 && (stats & group) !== 0;
    if (asked(DomainStatsGroup.CPU_TOTAL)) {
      params.set('cpu.time', vm.cpuTimeNs);
    }
    if (asked(DomainStatsGroup.VCPU)) {
      params.set('vcpu.current', vm.vcpus);
    }
    if (asked(DomainStatsGroup.BALLOON)) {
      params.set('balloon.current', vm.memory.get(MemoryStatTag.ACTUAL_BALLOON)!);
      const available = vm.memory.get(MemoryStatTag.AVAILABLE);
      if (available !== undefined) {
        params.set('balloon.available', available);
      }
      const usable = vm.memory.get(MemoryStatTag.USABLE);
      if (usable !== undefined) {
        params.set('balloon.usable', usable);
      }
      const unused = vm.memory.get(MemoryStatTag.UNUSED);
      if (unused !== undefined) {
        params.set('balloon.unused', unused);
      }
    }
    if (asked(DomainStatsGroup.BLOCK)) {
      params.set('block.count', vm.disks.size);
      [...vm.disks].forEach(([name, d], i) => {
        params.set(`block.${i}.name`, name);
        // libvirt 9 reports backingIndex for the top image too (seen on qemu).
        params.set(`block.${i}.backingIndex`, 1);
        params.set(`block.${i}.rd.bytes`, d.rdBytes);
        params.set(`block.${i}.wr.bytes`, d.wrBytes);
        params.set(`block.${i}.rd.reqs`, d.rdReq);
        params.set(`block.${i}.wr.reqs`, d.wrReq);
      });
    }
    if (asked(DomainStatsGroup.INTERFACE)) {
      params.set('net.count', vm.nics.size);
      [...vm.nics].forEach(([name, n], i) => {
        params.set(`net.${i}.name`, name);
        params.set(`net.${i}.rx.bytes`, n.rxBytes);
        params.set(`net.${i}.tx.bytes`, n.txBytes);
      });
    }
    return { domain: vm.ref, params };
  }

  async getAllDomainStats(stats: number, _flags: number, domains: readonly DomainRef[] = []): Promise<DomainStatsRecord[]> {
    this.calls.push(domains.length ? `bulk:${domains.map((d) => d.name).join(',')}` : 'bulk');
    this.bulkAsked.push(stats);
    if (domains.length) {
      return Promise.all(domains.map((d) => this.call('bulk1', d, (vm) => this.record(vm, stats))));
    }
    if (this.bulkError) {
      throw this.bulkError;
    }
    return this.vms.map((vm) => this.record(vm, stats));
  }

  async listAllDomains(): Promise<DomainRef[]> {
    this.calls.push('list');
    return this.vms.map((vm) => vm.ref);
  }

  domainGetInfo(domain: DomainRef): Promise<DomainInfo> {
    return this.call('info', domain, (vm) => ({
      state: vm.state,
      maxMemKiB: 2048n,
      memoryKiB: 1024n,
      nrVirtCpu: vm.vcpus,
      cpuTimeNs: vm.cpuTimeNs,
    }));
  }

  domainMemoryStats(domain: DomainRef): Promise<Map<number, bigint>> {
    return this.call('memory', domain, (vm) => new Map(vm.memory));
  }

  domainBlockStats(domain: DomainRef, path: string): Promise<BlockStats> {
    return this.call(`block(${path})`, domain, (vm) => {
      const d = vm.disks.get(path)!;
      return { ...d, errs: 0n };
    });
  }

  domainInterfaceStats(domain: DomainRef, device: string): Promise<InterfaceStats> {
    return this.call(`interface(${device})`, domain, (vm) => {
      const n = vm.nics.get(device)!;
      return { rxBytes: n.rxBytes, txBytes: n.txBytes, rxPackets: 1n, txPackets: 2n, rxErrs: 0n, txErrs: 0n, rxDrop: 0n, txDrop: 0n };
    });
  }

  domainGetXMLDesc(domain: DomainRef): Promise<string> {
    return this.call('xml', domain, (vm) => {
      const disks = [...vm.disks.keys()].map((d) => `<disk type='file' device='disk'><target dev='${d}' bus='virtio'/></disk>`);
      const cdrom = `<disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>`;
      const nics = [...vm.nics.keys()].map((n) => `<interface type='network'><mac address='aa:bb'/><target dev='${n}'/></interface>`);
      return `<domain type='test'><name>${vm.ref.name}</name><devices>${disks.join('')}${cdrom}${nics.join('')}</devices></domain>`;
    });
  }
}
