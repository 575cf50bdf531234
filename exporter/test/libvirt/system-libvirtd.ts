// The host's libvirtd (root, /run/libvirt): the only one with the read-only
// socket. Started for the test run if it is not running, with the project's
// script when it exists (scripts/libvirt/start.sh), and stopped again only if
// this run started it.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const RW_SOCKET = '/run/libvirt/libvirt-sock';
export const RO_SOCKET = '/run/libvirt/libvirt-sock-ro';
const PID_FILE = '/run/libvirtd.pid';
const START_SCRIPT = fileURLToPath(new URL('../../../scripts/libvirt/start.sh', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

export interface SystemLibvirtd {
  /** Stops the daemon if this run started it; leaves a running one alone. */
  release(): Promise<void>;
}

export async function ensureSystemLibvirtd(): Promise<SystemLibvirtd> {
  if ((await accepts(RW_SOCKET)) && (await accepts(RO_SOCKET))) {
    return { release: async () => {} };
  }
  if (existsSync(START_SCRIPT)) {
    execFileSync('bash', [START_SCRIPT], { stdio: 'inherit', timeout: READY_TIMEOUT_MS });
  } else {
    // By hand, as ../shared/design/ENVIRONMENT.md describes (no systemd here).
    for (const dir of ['/var/log/libvirt', '/var/lib/libvirt', '/var/cache/libvirt', '/run/libvirt']) {
      mkdirSync(dir, { recursive: true });
    }
    execFileSync('virtlogd', ['-d']);
    execFileSync('libvirtd', ['-d']);
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await accepts(RW_SOCKET)) || !(await accepts(RO_SOCKET))) {
    if (Date.now() > deadline) throw new Error(`libvirtd did not open ${RW_SOCKET} and ${RO_SOCKET}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
  return {
    release: async () => {
      process.kill(pid, 'SIGTERM');
    },
  };
}

function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
