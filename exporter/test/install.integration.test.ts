// The exporter as an operator installs it, without a checkout: the npm package
// (`npm pack`, installed into an empty prefix with the registry out of reach: its
// dependencies ride in the tarball) and the single executable (`npm run build:sea`).
// Each runs under a real systemd, as packaging/systemd/vm-telemetry-exporter.service
// and its sysusers file install it (scripts/systemd/start.sh boots systemd as PID 1 in
// a throw-away container of this machine's OS), with an environment file written from
// the example; against a private libvirtd (test driver) whose read-only socket, as with
// unix_sock_ro_perms = "0770", admits only the libvirt group, and a real InfluxDB 1.8.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { eventually } from './support/exporter-process.js';
import { influxQL, type InfluxServer } from './support/influx-server.js';
import { runScript, unavailable } from './support/scripts.js';
import { startTestDriverStack } from './support/test-driver-stack.js';

const execFileAsync = promisify(execFile);
const exporterRoot = new URL('../', import.meta.url).pathname;
const repoRoot = new URL('../../', import.meta.url).pathname;
const unitName = 'vm-telemetry-exporter.service';
const unitFile = join(repoRoot, 'packaging/systemd', unitName);
const sysusersFile = join(repoRoot, 'packaging/systemd/vm-telemetry-exporter.sysusers');
const envExample = join(repoRoot, 'packaging/systemd/vm-telemetry-exporter.env');
const releaseVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string })
  .version;
const BUILD_TIMEOUT = 15 * 60_000;
const CONTAINER_TIMEOUT = 4 * 60_000;

/** A folder every user may traverse (the exporter's user reads its install from there). */
function workFolder(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function libvirtGroupId(): number | undefined {
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('libvirt:'));
  return line ? Number(line.split(':')[2]) : undefined;
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A booted container: commands run in all of its namespaces, as its root. */
class SystemdContainer {
  constructor(private readonly pid: string) {}

  async run(command: string[]): Promise<string> {
    const { stdout } = await execFileAsync('nsenter', ['--target', this.pid, '--all', ...command], { timeout: 60_000 });
    return stdout;
  }

  /** The command's outcome, failure included: [exit status, stdout + stderr]. */
  async attempt(command: string[]): Promise<[number, string]> {
    try {
      return [0, await this.run(command)];
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return [typeof e.code === 'number' ? e.code : -1, `${e.stdout ?? ''}${e.stderr ?? ''}`];
    }
  }

  async unitProperties(): Promise<Record<string, string>> {
    const text = await this.run([
      'systemctl',
      'show',
      unitName,
      '-p',
      'ActiveState,SubState,MainPID,NRestarts,ExecMainStatus,Result',
    ]);
    return Object.fromEntries(
      text
        .trim()
        .split('\n')
        .map((l) => l.split(/=(.*)/s) as [string, string])
    );
  }

  /** The exporter's JSON log lines (stderr, in the journal) of the unit's latest start. */
  async exporterLog(): Promise<string> {
    const invocation = (await this.run(['systemctl', 'show', unitName, '-p', 'InvocationID', '--value'])).trim();
    return this.run(['journalctl', `_SYSTEMD_INVOCATION_ID=${invocation}`, '--output', 'cat', '--no-pager']);
  }

  /** The unit's own drop-in, for one check; '' removes it. Reloads systemd. */
  async dropIn(text: string): Promise<void> {
    const dir = `/run/systemd/system/${unitName}.d`;
    await this.run(
      text ? ['sh', '-c', `mkdir -p ${dir} && cat > ${dir}/test.conf <<'EOF'\n${text}\nEOF`] : ['rm', '-rf', dir]
    );
    await this.run(['systemctl', 'daemon-reload']);
  }
}

/** Boots systemd with the unit installed as docs/INSTALL.md says, `usrLocal` as /usr/local. */
async function bootWithUnit(
  t: TestContext,
  usrLocal: string,
  envFile: string,
  libvirtdDir: string,
  libvirtGid: number
): Promise<SystemdContainer | undefined> {
  const work = mkdtempSync(join(tmpdir(), 'vmt-systemd-'));
  // After hooks run in the order they were added: the container goes before its folder.
  t.after(async () => {
    await runScript('systemd/stop.sh', [work], { timeoutMs: CONTAINER_TIMEOUT });
    rmSync(work, { recursive: true, force: true });
  });
  // The host's libvirt group, as the container's user database will have it (the
  // sysusers line of libvirt's Debian package, with this host's gid).
  const groupFile = join(work, 'libvirt-group.conf');
  writeFileSync(groupFile, `g libvirt ${libvirtGid}\n`);
  let env: Record<string, string>;
  try {
    env = await runScript(
      'systemd/start.sh',
      [
        work,
        `--bind-ro=${usrLocal}:/usr/local`,
        `--bind-ro=${unitFile}:/etc/systemd/system/${unitName}`,
        `--bind-ro=${sysusersFile}:/etc/sysusers.d/vm-telemetry-exporter.conf`,
        `--bind-ro=${groupFile}:/etc/sysusers.d/libvirt.conf`,
        `--bind-ro=${envFile}:/etc/vm-telemetry-exporter/exporter.env`,
        `--bind=${libvirtdDir}:/run/libvirt`,
      ],
      { timeoutMs: CONTAINER_TIMEOUT }
    );
  } catch (error) {
    return void unavailable(t, 'systemd in a container', (error as Error).message);
  }
  return new SystemdContainer(env['CONTAINER_PID']!);
}

/** Records for `uid` and `gid` in this machine's user database, for the test's duration. */
async function userRecordsOnHost(t: TestContext, uid: number, gid: number): Promise<void> {
  const known = (database: string, id: number): Promise<boolean> =>
    execFileAsync('getent', [database, String(id)]).then(
      () => true,
      () => false
    );
  const name = `vmt-exporter-${process.pid}`;
  const made: string[][] = [];
  if (!(await known('group', gid))) {
    await execFileAsync('groupadd', ['--system', '--gid', String(gid), name]);
    made.unshift(['groupdel', name]);
  }
  if (!(await known('passwd', uid))) {
    await execFileAsync('useradd', [
      '--system',
      '--uid',
      String(uid),
      '--gid',
      String(gid),
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ]);
    made.unshift(['userdel', name]);
  }
  t.after(async () => {
    for (const [command, ...args] of made) {
      await execFileAsync(command!, args).catch(() => {});
    }
  });
}

/** The example environment file with this test's servers in it, as an operator edits it. */
function environmentFile(t: TestContext, influx: InfluxServer, port: number): string {
  const path = join(workFolder(t, 'vmt-env-'), 'exporter.env');
  const settings = [
    `VMT_INFLUX_URL=${influx.url}`,
    'VMT_INFLUX_ORG=',
    `VMT_INFLUX_BUCKET=${influx.database}/${influx.retentionPolicy || 'autogen'}`,
    'VMT_INFLUX_TOKEN=',
    'VMT_LIBVIRT_URI=test:///default',
    `VMT_LISTEN=127.0.0.1:${port}`,
  ];
  // Later lines win in an environment file: the example's own lines stay as they are.
  writeFileSync(path, `${readFileSync(envExample, 'utf8')}\n${settings.join('\n')}\n`, { mode: 0o600 });
  return path;
}

/**
 * Installs the unit in a booted systemd with `usrLocal` as /usr/local (holding
 * bin/vm-telemetry-exporter), starts it and checks what systemd runs: the test
 * driver's VM sampled into InfluxDB by the unit's own user with only the libvirt group,
 * no capabilities, a system call filter, nothing writable but its state; restarted when
 * killed; refused without the libvirt group and on the read-write socket; stopped cleanly.
 */
async function runUnderSystemd(t: TestContext, usrLocal: string): Promise<void> {
  const libvirtGid = libvirtGroupId();
  if (libvirtGid === undefined) {
    return void unavailable(t, 'the libvirt group', 'no group "libvirt" (Debian package libvirt-daemon-system)');
  }
  const stack = await startTestDriverStack(t, '1.8');
  if (!stack) {
    return;
  }
  const { libvirtd, influx } = stack;
  // The daemon's folder becomes /run/libvirt; its read-only socket: group libvirt only.
  chmodSync(libvirtd.dir, 0o755);
  chownSync(libvirtd.socketRo, 0, libvirtGid);
  chmodSync(libvirtd.socketRo, 0o770);
  const port = await freeLoopbackPort();
  const container = await bootWithUnit(t, usrLocal, environmentFile(t, influx, port), libvirtd.dir, libvirtGid);
  if (!container) {
    return;
  }
  const pointsSince = async (since: number): Promise<number> => {
    const series = await influxQL(
      influx,
      `SELECT count("state") FROM "vm_telemetry" WHERE "vm" = 'test' AND time > ${since}ms`
    );
    return Number(series[0]?.values[0]?.[1] ?? 0);
  };
  const sampling = (since: number, what: string): Promise<number> =>
    eventually(what, async () => ((await pointsSince(since)) > 0 ? Date.now() : undefined), 120_000).catch(
      async (error: Error) => {
        throw new Error(
          `${error.message}; unit: ${JSON.stringify(await container.unitProperties())}; log:\n${await container.exporterLog()}`
        );
      }
    );

  // libvirtd (here on the host, outside the container) looks the peer's uid and gid up
  // in its own user database: on a real host that is the one sysusers wrote to.
  const uid = (await container.run(['id', '-u', 'vm-telemetry-exporter'])).trim();
  const gid = (await container.run(['id', '-g', 'vm-telemetry-exporter'])).trim();
  await userRecordsOnHost(t, Number(uid), Number(gid));

  let since = Date.now();
  await container.run(['systemctl', 'start', unitName]);
  await sampling(since, 'points of the test driver VM written by the unit');
  const started = (await container.exporterLog()).split('\n').find((l) => l.includes('"exporter started"'));
  assert.equal((JSON.parse(started!) as { version: string }).version, releaseVersion);
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);

  // What systemd runs it with: the sysusers user, its group and libvirt, nothing more.
  const mainPid = (await container.unitProperties())['MainPID']!;
  const status = await container.run(['cat', `/proc/${mainPid}/status`]);
  assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'));
  assert.deepEqual(
    /^Groups:\s+(.*)$/m.exec(status)![1]!.trim().split(/\s+/).map(Number).sort(),
    [libvirtGid, Number(gid)].sort()
  );
  assert.match(status, /^CapBnd:\s+0+$/m);
  assert.match(status, /^NoNewPrivs:\s+1$/m);
  assert.match(status, /^Seccomp:\s+2$/m, 'a system call filter');
  // Its view of the file system: only its state folder is writable; the read-write and
  // admin sockets are gone from it.
  const inItsMounts = (command: string): Promise<[number, string]> =>
    container.attempt(['nsenter', '--target', mainPid, '--mount', 'sh', '-c', command]);
  assert.equal(
    (await inItsMounts('touch /var/lib/vm-telemetry-exporter/probe && rm /var/lib/vm-telemetry-exporter/probe'))[0],
    0
  );
  for (const path of ['/etc/probe', '/var/lib/probe', '/root/probe', '/usr/local/probe']) {
    const [code, output] = await inItsMounts(`touch ${path}`);
    assert.notEqual(code, 0, `${path} is writable by the service`);
    assert.match(output, /Read-only file system|Permission denied|No such file/);
  }
  assert.equal((await inItsMounts('stat -c %a /run/libvirt/libvirt-sock'))[1].trim(), '0');
  assert.equal(
    (await container.run(['stat', '-c', '%U %a', '/var/lib/vm-telemetry-exporter'])).trim(),
    'vm-telemetry-exporter 700'
  );

  // Restart=on-failure: killed (as by the kernel's OOM killer), it comes back and samples again.
  await container.run(['kill', '-KILL', mainPid]);
  since = Date.now();
  await eventually(
    'the unit restarted',
    async () => ((await container.unitProperties())['NRestarts'] === '1' ? true : undefined),
    60_000
  );
  await sampling(since, 'points after the restart');

  // Without the libvirt group (neither the unit's SupplementaryGroups= nor the sysusers
  // membership) the read-only socket refuses it; with the group, the read-write socket
  // is not there for it to take.
  const refusals = [
    {
      change: ['gpasswd', '--delete', 'vm-telemetry-exporter', 'libvirt'],
      dropIn: '[Service]\nSupplementaryGroups=',
      undo: ['gpasswd', '--add', 'vm-telemetry-exporter', 'libvirt'],
      refusal: /permission denied|EACCES/i,
    },
    {
      change: ['true'],
      dropIn: '[Service]\nEnvironment=VMT_LIBVIRT_SOCKET=/run/libvirt/libvirt-sock VMT_LIBVIRT_READ_ONLY=false',
      undo: ['true'],
      refusal: /permission denied|connection refused|EACCES|ECONNREFUSED/i,
    },
  ];
  for (const { change, dropIn, undo, refusal } of refusals) {
    await container.run(change);
    await container.dropIn(dropIn);
    await container.run(['systemctl', 'restart', unitName]);
    await eventually(`a refusal with ${dropIn}`, async () =>
      refusal.test(await container.exporterLog()) ? true : undefined
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; log:\n${await container.exporterLog()}`);
    });
    await container.run(undo);
    await container.dropIn('');
  }
  await container.run(['systemctl', 'restart', unitName]);
  since = Date.now();
  await sampling(since, 'points once the unit is as installed again');

  // SIGTERM from systemctl stop: a clean exit, not a failure.
  await container.run(['systemctl', 'stop', unitName]);
  const stopped = await container.unitProperties();
  assert.equal(stopped['ActiveState'], 'inactive');
  assert.equal(stopped['Result'], 'success');
}

test(
  'npm package: npm pack, installed into an empty prefix offline, runs as the systemd unit',
  { timeout: BUILD_TIMEOUT * 2 },
  async (t) => {
    const work = workFolder(t, 'vmt-npm-');
    const { stdout } = await execFileAsync('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: exporterRoot,
      timeout: BUILD_TIMEOUT,
    });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [
      { filename: string; files: Array<{ path: string }> },
    ];
    const paths = packed.files.map((f) => f.path);
    assert.ok(paths.includes('dist/src/cli.js'), 'the bin is in the package');
    assert.ok(paths.includes('node_modules/@influxdata/influxdb-client/package.json'), 'the dependencies are bundled');
    const others = paths.filter((p) => !p.startsWith('dist/src/') && !p.startsWith('node_modules/')).sort();
    assert.deepEqual(
      others,
      ['README.md', 'package.json'],
      'nothing but the build, the bundled dependencies, README and package.json'
    );

    const prefix = join(work, 'prefix');
    mkdirSync(prefix);
    // --offline: the registry is not reachable from a host that installs a tarball.
    await execFileAsync(
      'npm',
      ['install', '--global', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(work, packed.filename)],
      {
        cwd: work,
        timeout: BUILD_TIMEOUT,
      }
    );
    const bin = join(prefix, 'bin', 'vm-telemetry-exporter');
    assert.equal((await execFileAsync(bin, ['--version'])).stdout.trim(), releaseVersion);
    await runUnderSystemd(t, prefix);
  }
);

test(
  'single executable (Node SEA): built by npm run build:sea, runs as the systemd unit',
  { timeout: BUILD_TIMEOUT * 2 },
  async (t) => {
    const { stdout } = await execFileAsync('bash', ['scripts/build-sea.sh'], {
      cwd: exporterRoot,
      timeout: BUILD_TIMEOUT,
    });
    const built = stdout.trim().split('\n').at(-1)!;
    // Installed as docs/INSTALL.md says: /usr/local/bin/vm-telemetry-exporter.
    const usrLocal = workFolder(t, 'vmt-sea-');
    const executable = join(usrLocal, 'bin', 'vm-telemetry-exporter');
    mkdirSync(join(usrLocal, 'bin'), { mode: 0o755 });
    await execFileAsync('install', ['-m', '0755', built, executable]);
    assert.equal((await execFileAsync(executable, ['--version'])).stdout.trim(), releaseVersion);
    await runUnderSystemd(t, usrLocal);
  }
);
