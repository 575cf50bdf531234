// A libvirtd owned by one test: scripts/libvirt/start.sh --private DIR, with
// the test driver only, or with --netns NAME all drivers (QEMU guests) in a
// network namespace of its own. The test may freeze, kill and restart it
// without disturbing anyone; stop() (scripts/libvirt/stop.sh --private DIR)
// also destroys its guests and deletes the namespace.

import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freezeProcess, killProcess, thawProcess } from './processes.js';
import { runScript, unavailable } from './scripts.js';

const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 180_000;

export class PrivateLibvirtd {
  private constructor(
    readonly dir: string,
    /** Network namespace of a daemon with the qemu driver; '' for the test driver only. */
    readonly netns: string,
    /** URI with its socket, as virsh and scripts/guest take it (LIBVIRT_URI). */
    public uri = '',
    /** Read-write socket, root-only (mode 0700). */
    public socket = '',
    /** Read-only socket, open to everyone (mode 0777). */
    public socketRo = '',
    public pid = 0
  ) {}

  /** Starts a daemon; throws with the script's message when it cannot. Stop it with stop(). */
  static async start(netns = ''): Promise<PrivateLibvirtd> {
    const dir = mkdtempSync(join(tmpdir(), 'vmt-libvirtd-'));
    // Traversable by everyone, so that only the sockets' own modes decide who may connect.
    chmodSync(dir, 0o755);
    const daemon = new PrivateLibvirtd(dir, netns);
    try {
      await daemon.restart();
    } catch (error) {
      await daemon.stop();
      throw error;
    }
    return daemon;
  }

  /** Starts the daemon (again, after kill()) on the same folder and sockets. */
  async restart(): Promise<void> {
    const env = await runScript('libvirt/start.sh', ['--private', this.dir, ...(this.netns ? ['--netns', this.netns] : [])], {
      timeoutMs: START_TIMEOUT_MS,
    });
    this.uri = env['LIBVIRT_URI'] ?? '';
    this.socket = env['LIBVIRT_SOCK'] ?? '';
    this.socketRo = env['LIBVIRT_SOCK_RO'] ?? '';
    this.pid = Number(env['LIBVIRTD_PID']);
    if (!this.uri || !this.socket || !this.socketRo || !(this.pid > 0)) {
      throw new Error(`scripts/libvirt/start.sh --private printed no URI, sockets or pid: ${JSON.stringify(env)}`);
    }
  }

  /** SIGSTOP, once every thread has stopped: calls get no answer until thaw(). */
  freeze(): Promise<void> {
    return freezeProcess(this.pid);
  }

  thaw(): void {
    thawProcess(this.pid);
  }

  /** SIGKILL (no goodbye to clients), once every thread is gone; its socket files stay behind. */
  kill(): Promise<void> {
    return killProcess(this.pid);
  }

  /** Stops the daemon, its guests and its namespace, and deletes its folder. */
  async stop(): Promise<void> {
    if (this.pid > 0) {
      this.thaw(); // a frozen daemon cannot handle stop.sh's SIGTERM
    }
    try {
      await runScript('libvirt/stop.sh', ['--private', this.dir], { timeoutMs: STOP_TIMEOUT_MS });
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** A daemon stopped when the test ends; skips the test (fails under CI=true) when none can start. */
export async function startPrivateLibvirtd(t: TestContext, netns = ''): Promise<PrivateLibvirtd | undefined> {
  let daemon: PrivateLibvirtd;
  try {
    daemon = await PrivateLibvirtd.start(netns);
  } catch (error) {
    return unavailable(t, 'libvirtd', (error as Error).message);
  }
  t.after(() => daemon.stop());
  return daemon;
}
