// The host's libvirtd (root, /run/libvirt): the only one with the qemu
// driver. Started with the project's scripts/libvirt/start.sh (which reuses a
// running daemon) inside network namespace NETNS, never in the host's (the
// bridges and taps it makes for networks and guests stay out of it), and stopped
// with stop.sh only by the test process whose call started it, once no other
// test process still uses it (node --test may run files in parallel).

import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RW_SOCKET = '/run/libvirt/libvirt-sock';
export const RO_SOCKET = '/run/libvirt/libvirt-sock-ro';
const SCRIPTS = fileURLToPath(new URL('../../../scripts/libvirt/', import.meta.url));
const SCRIPT_TIMEOUT_MS = 120_000;
// The namespace scripts/test-all.sh starts the daemon in for the whole run: that
// one is reused.
const NETNS = 'vmt';
const RELEASE_WAIT_MS = 300_000;
// One file per test process using the daemon; the start lock serialises start.sh.
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
  const started = await withStartLock(() => {
    const output = execFileSync('bash', [`${SCRIPTS}start.sh`, '--netns', NETNS], {
      encoding: 'utf8',
      timeout: SCRIPT_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return /^LIBVIRT_STARTED=1$/m.test(output);
  });
  return {
    release: async () => {
      rmSync(userFile, { force: true });
      if (!started) {
        return;
      }
      const deadline = Date.now() + RELEASE_WAIT_MS;
      while (otherLiveUsers().length > 0 && Date.now() < deadline) {
        await sleep(200);
      }
      execFileSync('bash', [`${SCRIPTS}stop.sh`, '--netns', NETNS], { stdio: 'inherit', timeout: SCRIPT_TIMEOUT_MS });
    },
  };
}

async function withStartLock<T>(run: () => T): Promise<T> {
  for (;;) {
    let lock: number;
    try {
      lock = openSync(START_LOCK, 'wx');
      writeFileSync(lock, String(process.pid));
    } catch {
      // Another test process is running start.sh, or died holding the lock.
      const holder = lockHolder();
      if (holder !== undefined && !isAlive(holder)) {
        rmSync(START_LOCK, { force: true });
      }
      await sleep(200);
      continue;
    }
    try {
      return run();
    } finally {
      closeSync(lock);
      rmSync(START_LOCK, { force: true });
    }
  }
}

/** The pid written in the start lock, if it can be read yet. */
function lockHolder(): number | undefined {
  try {
    const pid = Number(readFileSync(START_LOCK, 'utf8'));
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined; // released meanwhile
  }
}

function otherLiveUsers(): string[] {
  return readdirSync(USERS_DIR)
    .filter((name) => name.startsWith('user-'))
    .filter((name) => {
      if (isAlive(Number(name.slice('user-'.length)))) {
        return true;
      }
      rmSync(path.join(USERS_DIR, name), { force: true }); // a test process that died
      return false;
    });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
