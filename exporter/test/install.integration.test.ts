// The exporter as an operator installs it, without a checkout: the npm package
// (`npm pack`, installed into an empty prefix with the registry out of reach: its
// dependencies ride in the tarball) and the single executable (`npm run build:sea`).
// Each runs the way packaging/systemd/vm-telemetry-exporter.service runs it: the
// unit's Environment= and the environment file example (InfluxDB and libvirt pointed
// at this test's servers), a system user of its own with only the libvirt group, no
// capabilities, no new privileges, a state folder of its own; against a private
// libvirtd (test driver) whose read-only socket, as with unix_sock_ro_perms = "0770",
// admits only the libvirt group, and a real InfluxDB 1.8.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { ExporterProcess, eventually } from './support/exporter-process.js';
import { influxQL, startInflux } from './support/influx-server.js';
import { startPrivateLibvirtd } from './support/libvirt-daemon.js';
import { unavailable } from './support/scripts.js';

const execFileAsync = promisify(execFile);
const exporterRoot = new URL('../', import.meta.url).pathname;
const repoRoot = new URL('../../', import.meta.url).pathname;
const unitFile = join(repoRoot, 'packaging/systemd/vm-telemetry-exporter.service');
const envExample = join(repoRoot, 'packaging/systemd/vm-telemetry-exporter.env');
const releaseVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const BUILD_TIMEOUT = 15 * 60_000;

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

/** KEY=value lines of an environment file, as systemd reads them. */
function environmentFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) {
      env[match[1]!] = match[2]!;
    }
  }
  return env;
}

/** The unit's Environment= assignments, %S (the state root) replaced. */
function unitEnvironment(stateRoot: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(unitFile, 'utf8').split('\n')) {
    if (!line.startsWith('Environment=')) {
      continue;
    }
    for (const assignment of line.slice('Environment='.length).split(/\s+/)) {
      const [key, value] = assignment.split(/=(.*)/s) as [string, string];
      env[key] = value.replaceAll('%S', stateRoot);
    }
  }
  return env;
}

/**
 * Runs `program` as the unit would and checks it samples the test driver's VM into
 * InfluxDB with exactly the unit's user, groups and capabilities; then that the
 * same user without the libvirt group, or on the read-write socket, is refused.
 */
async function runAsTheUnitDoes(t: TestContext, program: string[]): Promise<void> {
  const libvirtGid = libvirtGroupId();
  if (libvirtGid === undefined) {
    return void unavailable(t, 'the libvirt group', 'no group "libvirt" (Debian package libvirt-daemon-system)');
  }
  const libvirtd = await startPrivateLibvirtd(t);
  if (!libvirtd) {
    return;
  }
  const influx = await startInflux(t, '1.8');
  if (!influx) {
    return;
  }
  // The daemon's folder: traversable; its read-only socket: group libvirt only.
  chmodSync(libvirtd.dir, 0o711);
  chownSync(libvirtd.socketRo, 0, libvirtGid);
  chmodSync(libvirtd.socketRo, 0o770);

  // The unit's own system user (packaging/systemd/vm-telemetry-exporter.sysusers), made
  // for this test under a name of its own and removed after it: libvirtd refuses a uid
  // it finds no user record for.
  const user = `vmt-exporter-${process.pid}`;
  await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
  t.after(() => execFileAsync('userdel', [user]).catch(() => {}));
  const uid = Number((await execFileAsync('id', ['-u', user])).stdout.trim());
  const stateRoot = workFolder(t, 'vmt-state-');
  const stateDir = join(stateRoot, 'vm-telemetry-exporter');
  mkdirSync(stateDir, { mode: 0o700 });
  chownSync(stateDir, uid, uid);

  const helpText = (await execFileAsync(program[0]!, [...program.slice(1), '--help'])).stdout;
  const env: Record<string, string> = { ...unitEnvironment(stateRoot), ...environmentFile(envExample) };
  for (const key of Object.keys(env)) {
    assert.ok(helpText.includes(key), `${key} (unit or environment file) is not a setting of the exporter`);
  }
  Object.assign(env, {
    VMT_INFLUX_URL: influx.url,
    VMT_INFLUX_ORG: '',
    VMT_INFLUX_BUCKET: `${influx.database}/${influx.retentionPolicy || 'autogen'}`,
    VMT_INFLUX_TOKEN: '',
    VMT_LIBVIRT_URI: 'test:///default',
    VMT_LIBVIRT_SOCKET: libvirtd.socketRo,
    VMT_LISTEN: '127.0.0.1:0',
  });
  const clean = ['env', '-i', 'PATH=/usr/local/bin:/usr/bin:/bin', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];

  const exporter = ExporterProcess.start(t, [], {}, { uid, groups: [libvirtGid] }, [...clean, ...program]);
  const started = await exporter.waitForLog((l) => l.msg === 'exporter started', 120_000);
  assert.equal(started['version'], releaseVersion);
  const rows = await eventually(
    'points of the test driver VM in InfluxDB',
    async () => {
      const series = await influxQL(influx, `SELECT "state" FROM "vm_telemetry" WHERE "vm" = 'test'`);
      return series[0]?.values.length ? series[0].values : undefined;
    },
    120_000
  ).catch((error: Error) => {
    throw new Error(`${error.message}; exporter log:\n${exporter.stderrText}`);
  });
  assert.ok(rows.length > 0);

  // What the process runs with: the unit's user, the libvirt group alone, no capabilities.
  const pid = Number((await execFileAsync('pgrep', ['-u', String(uid), '-n'])).stdout.trim());
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'));
  assert.match(status, new RegExp(`^Groups:\\s+${libvirtGid}\\s*$`, 'm'));
  assert.match(status, /^CapBnd:\s+0+$/m);
  assert.match(status, /^NoNewPrivs:\s+1$/m);
  // It wrote nothing but its state: the spill folder is its own, if it made one.
  for (const entry of readdirSync(stateDir)) {
    assert.equal(entry, 'spill');
  }
  exporter.signal('SIGTERM');
  assert.equal(await exporter.exited, 0);

  // The same user without the libvirt group cannot open the read-only socket ...
  const noGroup = ExporterProcess.start(t, ['--once'], {}, { uid }, [...clean, ...program]);
  assert.equal(await noGroup.exited, 1);
  assert.match(noGroup.stderrText, /permission denied/);
  // ... and with it, not the read-write one.
  const readWrite = ExporterProcess.start(t, ['--once', '--libvirt-socket', libvirtd.socket], {}, { uid, groups: [libvirtGid] }, [...clean, ...program]);
  assert.equal(await readWrite.exited, 1);
  assert.match(readWrite.stderrText, /permission denied/);
}

test('npm package: npm pack, installed into an empty prefix offline, runs as the systemd unit runs it', { timeout: BUILD_TIMEOUT * 2 }, async (t) => {
  const work = workFolder(t, 'vmt-npm-');
  const { stdout } = await execFileAsync('npm', ['pack', '--json', '--pack-destination', work], { cwd: exporterRoot, timeout: BUILD_TIMEOUT });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string; files: Array<{ path: string }> }];
  const paths = packed.files.map((f) => f.path);
  assert.ok(paths.includes('dist/src/cli.js'), 'the bin is in the package');
  assert.ok(paths.includes('node_modules/yaml/package.json'), 'the dependencies are bundled');
  const others = paths.filter((p) => !p.startsWith('dist/src/') && !p.startsWith('node_modules/')).sort();
  assert.deepEqual(others, ['README.md', 'package.json'], 'nothing but the build, the bundled dependencies, README and package.json');

  const prefix = join(work, 'prefix');
  mkdirSync(prefix);
  // --offline: the registry is not reachable from a host that installs a tarball.
  await execFileAsync('npm', ['install', '--global', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(work, packed.filename)], {
    cwd: work,
    timeout: BUILD_TIMEOUT,
  });
  const bin = join(prefix, 'bin', 'vm-telemetry-exporter');
  assert.equal((await execFileAsync(bin, ['--version'])).stdout.trim(), releaseVersion);
  await runAsTheUnitDoes(t, [bin]);
});

test('single executable (Node SEA): built by npm run build:sea, runs as the systemd unit runs it', { timeout: BUILD_TIMEOUT * 2 }, async (t) => {
  const { stdout } = await execFileAsync('bash', ['scripts/build-sea.sh'], { cwd: exporterRoot, timeout: BUILD_TIMEOUT });
  const built = stdout.trim().split('\n').at(-1)!;
  // Copied where the exporter's user can reach it (the checkout may be 0700).
  const work = workFolder(t, 'vmt-sea-');
  const executable = join(work, 'vm-telemetry-exporter');
  await execFileAsync('cp', [built, executable]);
  assert.equal((await execFileAsync(executable, ['--version'])).stdout.trim(), releaseVersion);
  await runAsTheUnitDoes(t, [executable]);
});
