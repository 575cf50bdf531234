// The host's libvirtd (root, /run/libvirt): the only one with the read-only
// socket and the qemu driver. Started for the test run if it is not running,
// with the project's script when it exists (scripts/libvirt/start.sh), and
// stopped again only by the test process that started it, once no other test
// process (node --test runs files in parallel) still uses it.

import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RW_SOCKET = '/run/libvirt/libvirt-sock';
export const RO_SOCKET = '/run/libvirt/libvirt-sock-ro';
const PID_FILE = '/run/libvirtd.pid';
const START_SCRIPT = fileURLToPath(new URL('../../../scripts/libvirt/start.sh', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const RELEASE_WAIT_MS = 300_000;
// One file per test process using the daemon; the start lock makes one of them start it.
const USERS_DIR = '/run/vmt-libvirt-client-tests';
const START_LOCK = path.join(USERS_DIR, 'start.lock');

export interface SystemLibvirtd {
  /** Stops the daemon if this process started it, after the other users left. */
  release(): Promise<void>;
}

export async function ensureSystemLibvirtd(): Promise<SystemLibvirtd> {
  mkdirSync(USERS_DIR, { recursive: true });
  const userFile = path.join(USERS_DIR, `user-${process.pid}`);
  writeFileSync(userFile, '');
  const startedPid = await startUnlessRunning();
  return {
    release: async () => {
      rmSync(userFile, { force: true });
      if (startedPid === undefined) return;
      const deadline = Date.now() + RELEASE_WAIT_MS;
      while (otherLiveUsers().length > 0 && Date.now() < deadline) {
        await sleep(200);
      }
      process.kill(startedPid, 'SIGTERM');
    },
  };
}

/** Returns the daemon's pid if this call started it. */
async function startUnlessRunning(): Promise<number | undefined> {
  while (!(await running())) {
    let lock: number;
    try {
      lock = openSync(START_LOCK, 'wx');
    } catch {
      await sleep(200); // another test process is starting it
      continue;
    }
    try {
      if (await running()) return undefined;
      start();
      const deadline = Date.now() + READY_TIMEOUT_MS;
      while (!(await running())) {
        if (Date.now() > deadline) throw new Error(`libvirtd did not open ${RW_SOCKET} and ${RO_SOCKET}`);
        await sleep(100);
      }
      return Number(readFileSync(PID_FILE, 'utf8').trim());
    } finally {
      closeSync(lock);
      rmSync(START_LOCK, { force: true });
    }
  }
  return undefined;
}

function start(): void {
  if (existsSync(START_SCRIPT)) {
    execFileSync('bash', [START_SCRIPT], { stdio: 'inherit', timeout: READY_TIMEOUT_MS });
    return;
  }
  // By hand, as ../shared/design/ENVIRONMENT.md describes (no systemd here).
  for (const dir of ['/var/log/libvirt', '/var/lib/libvirt', '/var/cache/libvirt', '/run/libvirt']) {
    mkdirSync(dir, { recursive: true });
  }
  try {
    execFileSync('virtlogd', ['-d'], { stdio: 'ignore' });
  } catch {
    // Already running (it holds its pid file): libvirtd only needs one.
  }
  execFileSync('libvirtd', ['-d']);
}

function otherLiveUsers(): string[] {
  return readdirSync(USERS_DIR)
    .filter((name) => name.startsWith('user-'))
    .filter((name) => {
      try {
        process.kill(Number(name.slice('user-'.length)), 0);
        return true;
      } catch {
        rmSync(path.join(USERS_DIR, name), { force: true }); // a test process that died
        return false;
      }
    });
}

async function running(): Promise<boolean> {
  return (await accepts(RW_SOCKET)) && (await accepts(RO_SOCKET));
}

function accepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ path: socketPath });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
