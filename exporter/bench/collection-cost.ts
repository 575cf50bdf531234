// Collection cost per VM per sample, side by side with `virsh domstats
// --raw` for the same VMs in the same run. Usage:
//   node --import tsx bench/collection-cost.ts SOCKET NODE_XML_DIR COUNTS...
// For each count N, a test-driver node XML of N domains is written to
// NODE_XML_DIR and read by both. The test driver's bulk stats hold only
// `state`, so the exporter's full round there also makes the per-domain
// fallback calls; the bulk call alone is what a qemu host costs per round.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Collector } from '../src/collector/collector.js';
import { ALL_STATS_GROUPS } from '../src/collector/group-sources.js';
import { VmTracker } from '../src/collector/vm-tracker.js';
import { GetAllDomainStatsFlag, LibvirtClient } from '../src/libvirt/index.js';
import { silentLogger } from '../src/log.js';
import { writeNodeXml } from './node-xml.js';

const [socket, dir, ...countArgs] = process.argv.slice(2);
if (!socket || !dir || countArgs.length === 0) {
  console.error('usage: collection-cost.ts SOCKET NODE_XML_DIR COUNT...');
  process.exit(2);
}
const TICKS = 100; // clock ticks per second of /proc/self/stat

/** CPU seconds of this process, and of its waited-for children (virsh). */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICKS; // cutime, cstime
}
const selfCpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

async function measure(rounds: number, run: () => Promise<unknown> | unknown, cpu: () => number) {
  await run(); // warm-up
  const cpuBefore = cpu();
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    await run();
  }
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  return { wallPerRound: wall / rounds, cpuPerRound: (cpu() - cpuBefore) / rounds };
}

const fmt = (seconds: number, vms: number) => `${((seconds / vms) * 1e6).toFixed(1).padStart(9)} µs`;

console.log('collection cost per VM per sample (test driver via libvirtd; lower is better)');
console.log('VMs  | path                               |  wall/VM     |   CPU/VM     | vs virsh (CPU)');
for (const count of countArgs.map(Number)) {
  const path = join(dir, `node-${count}.xml`);
  writeNodeXml(path, count);
  const uri = `test://${path}`;
  const rounds = count >= 100 ? 5 : 20;

  const client = await LibvirtClient.connect({ socketPath: socket, uri, readOnly: true, callTimeoutMs: 60_000 });
  const listed = (await client.listAllDomains()).length;
  if (listed !== count) {
    throw new Error(`${uri}: ${listed} domains, expected ${count}`);
  }
  // Each measured round is a new 1-s round of its clock, so every VM's per-domain calls
  // are made in every round (a fallback interval of 1 s): the cost of a fallback read.
  let roundStartMs = Date.now();
  const collector = new Collector({
    concurrency: 8,
    penaltyMs: 30_000,
    devicesRefreshMs: 60_000,
    intervalMs: 1000,
    fallbackIntervalMs: 1000,
    reprobeMs: 600_000,
    log: silentLogger,
    onError: () => {},
    now: () => roundStartMs,
  });
  const tracker = new VmTracker();
  const bulk = await measure(rounds, () => client.getAllDomainStats(ALL_STATS_GROUPS, GetAllDomainStatsFlag.NOWAIT), selfCpuSeconds);
  const full = await measure(
    rounds,
    async () => {
      roundStartMs += 1000;
      const result = await collector.collect(client);
      return tracker.samples(result.readings, result.listed, Date.now(), 'bench');
    },
    selfCpuSeconds
  );
  await client.close();

  const virshUri = `test+unix://${path}?socket=${socket}`;
  const virsh = await measure(
    rounds,
    () => {
      const out = spawnSync('virsh', ['-c', virshUri, 'domstats', '--raw'], { encoding: 'utf8' });
      if (out.status !== 0) {
        throw new Error(`virsh: ${out.stderr}`);
      }
    },
    childCpuSeconds
  );
  const ratio = (ours: number) => `${(ours / virsh.cpuPerRound).toFixed(2)}x`;
  console.log(`${String(count).padStart(4)} | exporter: bulk call (qemu-like round) | ${fmt(bulk.wallPerRound, count)} | ${fmt(bulk.cpuPerRound, count)} | ${ratio(bulk.cpuPerRound)}`);
  console.log(`${String(count).padStart(4)} | exporter: full round, all fallback  | ${fmt(full.wallPerRound, count)} | ${fmt(full.cpuPerRound, count)} | ${ratio(full.cpuPerRound)}`);
  console.log(`${String(count).padStart(4)} | virsh domstats --raw (baseline)    | ${fmt(virsh.wallPerRound, count)} | ${fmt(virsh.cpuPerRound, count)} | 1.00x`);
}
const largest = `test+unix://${join(dir, `node-${countArgs.at(-1)}.xml`)}?socket=${socket}`;
const timed = spawnSync('/usr/bin/time', ['-f', '%M', 'virsh', '-c', largest, 'domstats', '--raw'], { encoding: 'utf8' });
const virshRssKiB = Number(timed.stderr.trim().split('\n').at(-1));
console.log(
  `max RSS with ${countArgs.at(-1)} VMs: this bench process (node + tsx + collector) ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; ` +
    `virsh ${(virshRssKiB / 1024).toFixed(0)} MiB`
);
