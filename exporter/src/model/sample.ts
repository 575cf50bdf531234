// One sample of one VM as the collector produces it: the contract's fields
// in libvirt's units turned into the contract's (bytes, percent), before
// any encoding. Absent values are undefined, never 0.

export interface DiskSample {
  /** Target device name, e.g. "vda". */
  device: string;
  readBytes: bigint;
  writeBytes: bigint;
  readOps: bigint;
  writeOps: bigint;
}

export interface InterfaceSample {
  /** Target interface name, e.g. "vnet0". */
  interface: string;
  rxBytes: bigint;
  txBytes: bigint;
  rxPackets: bigint;
  txPackets: bigint;
  rxErrors: bigint;
  txErrors: bigint;
  rxDrops: bigint;
  txDrops: bigint;
}

export interface VmSample {
  /** Wall-clock time of the sample, milliseconds since the epoch. */
  timeMs: number;
  vm: string;
  uuid: string;
  host: string;
  /** libvirt domain ID; -1 when not running. */
  domainId: number;
  /** running, paused, shutoff, ... */
  state: string;
  vcpus?: number;
  cpuUsagePercent?: number;
  memoryUsagePercent?: number;
  memoryTotalBytes?: bigint;
  memoryUsedBytes?: bigint;
  diskReadBytes?: bigint;
  diskWriteBytes?: bigint;
  networkRxBytes?: bigint;
  networkTxBytes?: bigint;
  disks: DiskSample[];
  interfaces: InterfaceSample[];
}
