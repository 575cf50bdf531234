// The host's libvirtd (root, /run/libvirt): the only one with the qemu
// driver. Started with the project's scripts/libvirt/start.sh (which reuses a
// running daemon and notes this test process as one of its users) inside
// network namespace NETNS, never in the host's (the bridges and taps it makes
// for networks and guests stay out of it). Released with stop.sh, which stops
// the daemon only when this process started it and no other user (another
// test file, a test run) still lives; else the last of them ending does.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const RW_SOCKET = '/run/libvirt/libvirt-sock';
export const RO_SOCKET = '/run/libvirt/libvirt-sock-ro';
const SCRIPTS = fileURLToPath(new URL('../../../scripts/libvirt/', import.meta.url));
const SCRIPT_TIMEOUT_MS = 120_000;
// The namespace scripts/test-all.sh starts the daemon in for the whole run: that
// one is reused.
const NETNS = 'vmt';

export interface SystemLibvirtd {
  /** Ends this process's use of the daemon; stops it if this process started it and nobody else uses it. */
  release(): void;
}

export function ensureSystemLibvirtd(): SystemLibvirtd {
  const env = { ...process.env, VMT_OWNER_PID: String(process.pid) };
  const output = execFileSync('bash', [`${SCRIPTS}start.sh`, '--netns', NETNS], {
    encoding: 'utf8',
    env,
    timeout: SCRIPT_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = /^LIBVIRT_STARTED=1$/m.test(output);
  return {
    release: () => {
      if (started) {
        execFileSync('bash', [`${SCRIPTS}stop.sh`, '--netns', NETNS], { env, stdio: 'inherit', timeout: SCRIPT_TIMEOUT_MS });
      }
    },
  };
}
