// A libvirtd owned by one test, started and stopped with the project's
// scripts/libvirt/start.sh --private / stop.sh --private: the test driver
// only, or with a network namespace all drivers (qemu for real guests). The
// test may freeze, kill and restart it without disturbing anyone else.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPTS = fileURLToPath(new URL('../../../scripts/libvirt/', import.meta.url));
const SCRIPT_TIMEOUT_MS = 120_000;

export class PrivateLibvirtd {
  private constructor(
    readonly dir: string,
    /** Network namespace of a daemon with the qemu driver, else undefined. */
    readonly netns: string | undefined,
    /** Read-write socket, root-only (mode 0700). */
    public socketPath: string,
    /** Read-only socket, open to everyone (mode 0777). */
    public roSocketPath: string,
    public pid: number,
    /** URI of the daemon's driver with its socket, for virsh and scripts/guest (LIBVIRT_URI). */
    public uri: string
  ) {}

  static start(netns?: string): PrivateLibvirtd {
    const dir = mkdtempSync('/tmp/vmt-private-libvirtd-');
    // Traversable by everyone, so that only the sockets' own modes decide who may connect.
    chmodSync(dir, 0o755);
    const daemon = new PrivateLibvirtd(dir, netns, '', '', 0, '');
    daemon.launch();
    return daemon;
  }

  /** Starts the daemon; after kill(), starts it again. */
  launch(): void {
    const netnsArgs = this.netns === undefined ? [] : ['--netns', this.netns];
    const output = execFileSync('bash', [`${SCRIPTS}start.sh`, '--private', this.dir, ...netnsArgs], {
      encoding: 'utf8',
      timeout: SCRIPT_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = new Map(
      output
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
    );
    this.socketPath = lines.get('LIBVIRT_SOCK')!;
    this.roSocketPath = lines.get('LIBVIRT_SOCK_RO')!;
    this.pid = Number(lines.get('LIBVIRTD_PID'));
    this.uri = lines.get('LIBVIRT_URI') ?? '';
    if (!this.socketPath || !this.roSocketPath || !(this.pid > 0)) {
      throw new Error(`scripts/libvirt/start.sh --private printed no sockets and pid:\n${output}`);
    }
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /** SIGKILL, then waits until the process is gone (its socket files stay behind). */
  async kill(): Promise<void> {
    process.kill(this.pid, 'SIGKILL');
    while (isAlive(this.pid)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  stop(): void {
    if (isAlive(this.pid)) {
      process.kill(this.pid, 'SIGCONT'); // a frozen daemon cannot handle stop.sh's SIGTERM
    }
    execFileSync('bash', [`${SCRIPTS}stop.sh`, '--private', this.dir], {
      stdio: 'inherit',
      timeout: SCRIPT_TIMEOUT_MS,
    });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether the process exists and is not a zombie nobody reaped yet. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
