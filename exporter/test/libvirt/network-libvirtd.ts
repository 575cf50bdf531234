// A real libvirtd with network listeners, owned by one test: Debian's
// libvirtd run unprivileged (as nobody, in session mode) in a temporary
// folder, listening on 127.0.0.1 for TCP and for TLS (a CA, server and client
// certificates made with openssl), with a fast keepalive. The project's
// scripts/libvirt/start.sh has no listeners, hence this launcher.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const NOBODY = 65534;
const LIBVIRTD = '/usr/sbin/libvirtd';
const READY_TIMEOUT_MS = 20_000;

export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** A CA that did not sign the daemon's certificate. */
  otherCa: Buffer;
}

export class NetworkLibvirtd {
  private process: ChildProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly socketPath: string,
    readonly tcpPort: number,
    readonly tlsPort: number,
    readonly tls: TlsMaterial
  ) {}

  static async start(): Promise<NetworkLibvirtd> {
    const dir = mkdtempSync('/tmp/vmt-libvirtd-');
    chmodSync(dir, 0o755);
    const tls = makeCertificates(dir);
    const [tcpPort, tlsPort] = [await freePort(), await freePort()];
    writeFileSync(
      path.join(dir, 'libvirtd.conf'),
      [
        'listen_tcp = 1',
        'listen_tls = 1',
        'listen_addr = "127.0.0.1"',
        `tcp_port = "${tcpPort}"`,
        `tls_port = "${tlsPort}"`,
        'auth_tcp = "none"',
        'auth_tls = "none"',
        `key_file = "${dir}/server-key.pem"`,
        `cert_file = "${dir}/server.pem"`,
        `ca_file = "${dir}/ca.pem"`,
        // Fast keepalive for clients that ask for it: a PING each second, drop after 5
        // unanswered (not 1: a client on a loaded host may not run for a second or two).
        'keepalive_interval = 1',
        'keepalive_count = 5',
        '',
      ].join('\n')
    );
    for (const sub of ['run', 'config', 'cache', 'home']) {
      mkdirSync(path.join(dir, sub));
    }
    execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, dir]);
    const daemon = new NetworkLibvirtd(dir, path.join(dir, 'run/libvirt/libvirt-sock'), tcpPort, tlsPort, tls);
    await daemon.launch();
    return daemon;
  }

  /** Starts the daemon and waits until its unix socket and TLS port answer. */
  private async launch(): Promise<void> {
    rmSync(this.socketPath, { force: true });
    const child = spawn(LIBVIRTD, ['--listen', '-f', path.join(this.dir, 'libvirtd.conf')], {
      uid: NOBODY,
      gid: NOBODY,
      env: {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: path.join(this.dir, 'home'),
        XDG_RUNTIME_DIR: path.join(this.dir, 'run'),
        XDG_CONFIG_HOME: path.join(this.dir, 'config'),
        XDG_CACHE_HOME: path.join(this.dir, 'cache'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    this.process = child;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await accepts(this.socketPath)) || !(await accepts({ host: '127.0.0.1', port: this.tlsPort }))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`network libvirtd did not come up (exit ${child.exitCode}): ${stderr.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Kills the daemon, waits until it is gone, removes its folder. */
  async stop(): Promise<void> {
    const child = this.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function makeCertificates(dir: string): TlsMaterial {
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ca = (name: string) =>
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.pem`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign'
    );
  // libvirtd insists on CA:FALSE and the right key usages on its own and on client certificates.
  const leaf = (name: string, subject: string, usage: string, altNames?: string) => {
    writeFileSync(
      path.join(dir, `${name}.ext`),
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        `extendedKeyUsage=${usage}`,
      ]
        .concat(altNames ? [`subjectAltName=${altNames}`] : [])
        .join('\n')
    );
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${subject}`,
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.csr`
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      '-extfile',
      `${name}.ext`
    );
  };
  ca('ca');
  ca('other-ca');
  leaf('server', 'localhost', 'serverAuth', 'DNS:localhost,IP:127.0.0.1');
  leaf('client', 'client', 'clientAuth');
  for (const file of ['server-key.pem', 'ca-key.pem', 'other-ca-key.pem', 'client-key.pem']) {
    chownSync(path.join(dir, file), NOBODY, NOBODY);
    chmodSync(path.join(dir, file), 0o600);
  }
  const read = (file: string) => readFileSync(path.join(dir, file));
  return { ca: read('ca.pem'), cert: read('client.pem'), key: read('client-key.pem'), otherCa: read('other-ca.pem') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(target: string | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = typeof target === 'string' ? net.createConnection({ path: target }) : net.createConnection(target);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
