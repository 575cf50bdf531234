// A private libvirtd for one test (scripts/libvirt/start.sh --private DIR):
// test driver only, or with --netns the qemu driver for real guests. The
// test may kill and restart it. Stopped with scripts/libvirt/stop.sh
// --private DIR when the test ends. Skips (fails under CI=true) when
// libvirtd cannot start here.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
export const SCRIPTS = process.env['VMT_SCRIPTS'] ?? new URL('../../../scripts/', import.meta.url).pathname;

export interface PrivateLibvirtd {
  dir: string;
  /** The URI as virsh takes it (with ?socket=). */
  uri: string;
  socket: string;
  socketRo: string;
  pid: number;
  netns: string;
}

/** KEY=value lines printed by the project's scripts. */
export function parseScriptEnv(output: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

export function unavailable(t: TestContext, what: string, why: string): undefined {
  if (process.env['CI'] === 'true') throw new Error(`${what} is required under CI=true but cannot start: ${why}`);
  t.skip(`${what} cannot start here (CI=true would fail): ${why}`);
  return undefined;
}

async function runStart(dir: string, netns: string | undefined): Promise<PrivateLibvirtd> {
  const args = ['--private', dir, ...(netns ? ['--netns', netns] : [])];
  const { stdout } = await execFileAsync(join(SCRIPTS, 'libvirt/start.sh'), args, { timeout: 180_000 });
  const env = parseScriptEnv(stdout);
  return {
    dir,
    uri: env['LIBVIRT_URI']!,
    socket: env['LIBVIRT_SOCK']!,
    socketRo: env['LIBVIRT_SOCK_RO']!,
    pid: Number(env['LIBVIRTD_PID']),
    netns: env['LIBVIRT_NETNS'] ?? '',
  };
}

export async function startPrivateLibvirtd(t: TestContext, netns?: string): Promise<PrivateLibvirtd | undefined> {
  if (!existsSync(join(SCRIPTS, 'libvirt/start.sh'))) return unavailable(t, 'libvirtd', 'scripts/libvirt/start.sh missing');
  const dir = mkdtempSync(join(tmpdir(), 'vmt-libvirtd-'));
  t.after(async () => {
    await execFileAsync(join(SCRIPTS, 'libvirt/stop.sh'), ['--private', dir], { timeout: 120_000 }).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    return await runStart(dir, netns);
  } catch (error) {
    const e = error as { message: string; stderr?: string };
    return unavailable(t, 'libvirtd', `${e.message}\n${e.stderr ?? ''}`);
  }
}

function gone(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

/** SIGKILLs the daemon (no goodbye to clients) and waits until it is gone. */
export async function killLibvirtd(daemon: PrivateLibvirtd): Promise<void> {
  process.kill(daemon.pid, 'SIGKILL');
  while (!gone(daemon.pid)) await new Promise((r) => setTimeout(r, 50));
}

/** Starts the daemon again on the same folder and sockets. */
export async function restartLibvirtd(daemon: PrivateLibvirtd): Promise<void> {
  const again = await runStart(daemon.dir, daemon.netns || undefined);
  daemon.pid = again.pid;
}
