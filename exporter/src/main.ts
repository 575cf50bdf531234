// vm-telemetry-exporter's command (started by cli.ts): wires the pieces together from
// the settings, runs until SIGTERM/SIGINT (then flushes), or prints one sample per VM
// (--once).

import { readFileSync } from 'node:fs';
import { Collector } from './collector/collector.js';
import { DomainEventSource } from './collector/domain-events.js';
import { LibvirtSession } from './collector/libvirt-session.js';
import { VmTracker } from './collector/vm-tracker.js';
import { ConfigError, helpText, parseCommandLine, redactedConfig, type Config } from './config.js';
import { Exporter } from './exporter.js';
import { DEFAULT_HTTP_LIMITS, startHttpServer } from './http/server.js';
import { loadWebConfig } from './http/web-config.js';
import { telemetryJson } from './http/telemetry-json.js';
import { createWriteTarget } from './influx/create-target.js';
import { PointQueue } from './influx/point-queue.js';
import { SpillStore, type DropReason } from './influx/spill-store.js';
import { PointWriter } from './influx/writer.js';
import { PermissionDeniedError, SocketMissingError, type ConnectOptions } from './libvirt/index.js';
import { createLogger, type Logger } from './log.js';
import { ExporterMetrics } from './metrics.js';
import { LatestSamples } from './model/latest-samples.js';
import type { VmSample } from './model/sample.js';
import { VERSION } from './version.js';

function connectOptions(config: Config): ConnectOptions {
  const { libvirt } = config;
  const options: ConnectOptions = { uri: libvirt.uri, readOnly: libvirt.readOnly, callTimeoutMs: libvirt.timeoutMs };
  if (libvirt.host) {
    options.host = libvirt.host;
    if (libvirt.port) {
      options.port = libvirt.port;
    }
    if (libvirt.tlsCa) {
      options.tls = { ca: readFileSync(libvirt.tlsCa), cert: readFileSync(libvirt.tlsCert), key: readFileSync(libvirt.tlsKey) };
    }
  } else {
    options.socketPath = libvirt.socket;
  }
  return options;
}

/** Where each stats group comes from is probed again this often (and on every new connection). */
const REPROBE_MS = 5 * 60_000;

function buildExporter(config: Config, log: Logger, metrics: ExporterMetrics, once: boolean, writer?: PointWriter) {
  const session = new LibvirtSession({ connectOptions: connectOptions(config), log });
  const collector = new Collector({
    concurrency: config.libvirt.concurrency,
    penaltyMs: 30_000,
    devicesRefreshMs: 60_000,
    intervalMs: config.intervalMs,
    // --once prints one sample of every VM: its two rounds read everything.
    fallbackIntervalMs: once ? config.intervalMs : config.libvirt.fallbackIntervalMs,
    reprobeMs: REPROBE_MS,
    log,
    onError: (kind) => metrics.countLibvirtError(kind),
  });
  metrics.fallbackIntervalSeconds = (collector.fallbackRounds * config.intervalMs) / 1000;
  const latest = new LatestSamples();
  const exporter = new Exporter({
    session,
    collector,
    tracker: new VmTracker(),
    latest,
    metrics,
    writer,
    hostOverride: config.host || undefined,
    intervalMs: config.intervalMs,
    log,
  });
  return { session, exporter, latest };
}

/** Records lifecycle events: registered on every connection the session opens, reconciled after a reconnect. */
function recordEvents(session: LibvirtSession, exporter: Exporter, metrics: ExporterMetrics, log: Logger): void {
  const events = new DomainEventSource({
    onEvent: (event, client) =>
      void exporter.recordEvent(event, client).catch((error: Error) => log.error('a domain event could not be recorded', { vm: event.vm, error: error.message })),
  });
  session.on('open', (client) => {
    events.attach(client).catch((error: Error) => {
      metrics.countLibvirtError('events');
      log.warn('domain events: attaching to the new libvirt connection failed', {
        error: error.message,
      });
      session.report(error);
    });
  });
}

/** bigint values as JSON numbers when exact, else as strings. */
function sampleJson(sample: VmSample): string {
  return JSON.stringify(sample, (_key, value: unknown) =>
    typeof value === 'bigint' ? (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()) : value
  );
}

const DROP_MESSAGES: Record<DropReason, string> = {
  buffer_full: 'buffer bound reached: dropped the oldest points',
  disk_full: 'spill folder full: dropped the oldest points',
  spill_error: 'spill folder unusable: dropped points',
};
const DROP_LOG_EVERY_MS = 60_000;

/** Counts dropped points; logs the first drop of each reason, then at most once a minute with the count since. */
function dropLogger(metrics: ExporterMetrics, log: Logger): (count: number, reason: DropReason, detail?: string) => void {
  const last = new Map<DropReason, { atMs: number; unlogged: number }>();
  return (count, reason, detail) => {
    const totalDropped = metrics.countDropped(reason, count);
    const state = last.get(reason);
    const now = Date.now();
    if (state && now - state.atMs < DROP_LOG_EVERY_MS) {
      state.unlogged += count;
      return;
    }
    log.warn(DROP_MESSAGES[reason], { dropped: count + (state?.unlogged ?? 0), totalDropped, ...(detail ? { error: detail } : {}) });
    last.set(reason, { atMs: now, unlogged: 0 });
  };
}

/** A connect error worth stopping for: the socket is there but forbidden. Missing sockets are retried (libvirtd may start later). */
function fatalConnectError(error: unknown): boolean {
  return error instanceof PermissionDeniedError;
}

async function runOnce(config: Config, log: Logger): Promise<number> {
  const metrics = new ExporterMetrics();
  const { session, exporter } = buildExporter(config, log, metrics, true);
  try {
    await session.get();
  } catch (error) {
    process.stderr.write(`vm-telemetry-exporter: ${(error as Error).message}\n`);
    return 1;
  }
  await exporter.round();
  await new Promise((r) => setTimeout(r, config.intervalMs));
  const samples = await exporter.round();
  await session.close();
  if (!samples) {
    process.stderr.write('vm-telemetry-exporter: reading the VMs failed (see the log above)\n');
    return 1;
  }
  for (const sample of samples) {
    process.stdout.write(sampleJson(sample) + '\n');
  }
  return 0;
}

async function runDaemon(config: Config, log: Logger): Promise<number> {
  let web;
  try {
    web = config.web.configFile ? await loadWebConfig(config.web.configFile) : { users: new Map<string, string>() };
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw error;
    }
    process.stderr.write(`vm-telemetry-exporter: ${error.message}\n`);
    return 2;
  }
  const metrics = new ExporterMetrics();
  const spill = config.buffer.spillDir
    ? new SpillStore({
        dir: config.buffer.spillDir,
        maxBytes: config.buffer.spillMaxBytes,
        onCorrupt: (segment, records) => {
          metrics.spillCorruptRecords += records;
          log.warn('spill folder: torn or corrupt records skipped', { segment, records });
        },
      })
    : undefined;
  const queue = new PointQueue({ maxMemoryLines: config.buffer.maxPoints, spill, onDrop: dropLogger(metrics, log) });
  const target = createWriteTarget({ ...config.influx, gzipThresholdBytes: config.influx.gzipThreshold });
  const writer = new PointWriter({
    target,
    queue,
    batchSize: config.influx.batchSize,
    retryInitialMs: config.influx.retryInitialMs,
    retryMaxMs: config.influx.retryMaxMs,
    log,
  });
  const { session, exporter, latest } = buildExporter(config, log, metrics, false, writer);
  recordEvents(session, exporter, metrics, log);

  try {
    await session.get();
  } catch (error) {
    if (fatalConnectError(error)) {
      log.error((error as Error).message, { socket: config.libvirt.socket });
      return 1;
    }
    if (error instanceof SocketMissingError) {
      log.error('libvirt is not reachable yet; the exporter keeps trying', { socket: config.libvirt.socket });
    }
  }

  const http = config.listen
    ? await startHttpServer(
        config.listen,
        {
          health: () => exporter.health(),
          metrics: () => metrics.render(writer.stats),
          telemetry: () => telemetryJson(latest.all(), Date.now()),
        },
        web,
        { ...DEFAULT_HTTP_LIMITS, maxConnections: config.web.maxConnections }
      )
    : undefined;
  log.info('exporter started', {
    version: VERSION,
    writing: target.description,
    http: http?.address ?? null,
    scheme: http?.scheme ?? null,
    authentication: web.users.size > 0,
    config: redactedConfig(config),
  });
  writer.start();
  exporter.start();

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info('stopping: flushing buffered points', { signal, buffered: writer.stats.buffered });
  await exporter.stop();
  const left = await writer.stop(config.shutdownTimeoutMs);
  if (left > 0) {
    const spilled = writer.spillUnwritten();
    if (spilled > 0) {
      log.warn('InfluxDB unreachable at exit: points kept in the spill folder for the next start', { points: spilled, dir: config.buffer.spillDir });
    } else {
      log.error('InfluxDB unreachable at exit: points lost (set --buffer-spill-dir to keep them)', { points: left });
    }
  }
  await target.close();
  await http?.close();
  await session.close();
  const { enqueued, written, rejected } = writer.stats;
  log.info('stopped', { enqueued, written, rejected, dropped: Object.fromEntries(metrics.dropped) });
  return 0;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let command;
  try {
    command = parseCommandLine(argv, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw error;
    }
    process.stderr.write(`vm-telemetry-exporter: ${error.message}\n`);
    return 2;
  }
  if (command.help) {
    process.stdout.write(helpText());
    return 0;
  }
  if (command.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const config = command.config!;
  const log = createLogger(config.logLevel);
  return command.once ? runOnce(config, log) : runDaemon(config, log);
}

// Exit once stdout is drained: a pipe (--once | jq, --help | less) would otherwise be cut short.
const exitAfterOutput = (code: number): void => {
  process.stdout.write('', () => process.exit(code));
};

main(process.argv.slice(2), process.env).then(
  exitAfterOutput,
  (error: Error) => {
    process.stderr.write(`vm-telemetry-exporter: ${error.stack ?? error.message}\n`);
    process.exit(1);
  }
);
