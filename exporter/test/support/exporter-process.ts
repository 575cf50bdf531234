// The exporter CLI as a child process, as an operator runs it: its JSON log
// lines collected from stderr, its HTTP port found from the start log.

import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { readableBundle } from './readable-bundle.js';

const root = new URL('../../', import.meta.url).pathname;

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export class ExporterProcess {
  readonly logs: LogLine[] = [];
  stdout = '';
  stderrText = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  /**
   * `user`: run as this unprivileged user (setpriv), e.g. 65534 (nobody), with no
   * supplementary groups, no capabilities and no new privileges, from a bundle of
   * src/cli.ts that user can read wherever the checkout lives; else through tsx.
   */
  constructor(args: string[], env: NodeJS.ProcessEnv = {}, user?: number) {
    const run = user === undefined ? [process.execPath, '--import', 'tsx', 'src/cli.ts'] : [process.execPath, readableBundle('src/cli.ts')];
    const command = [...run, ...args];
    if (user !== undefined) {
      command.unshift('setpriv', `--reuid=${user}`, `--regid=${user}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs');
    }
    this.child = spawn(command[0]!, command.slice(1), {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrText += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          // not a log line (e.g. a fatal message): kept in stderrText
        }
      }
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  static start(t: TestContext, args: string[], env: NodeJS.ProcessEnv = {}, user?: number): ExporterProcess {
    const exporter = new ExporterProcess(args, env, user);
    t.after(() => exporter.kill());
    return exporter;
  }

  async waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const line = this.logs.find(predicate);
      if (line) {
        return line;
      }
      if (Date.now() > until) {
        throw new Error(`no such log line within ${timeoutMs} ms; logs:\n${this.stderrText}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async httpBase(): Promise<string> {
    const started = await this.waitForLog((l) => l.msg === 'exporter started');
    return `${(started['scheme'] as string | undefined) ?? 'http'}://${started['http'] as string}`;
  }

  /** null while the process runs. */
  get exitCode(): number | null {
    return this.child.exitCode ?? (this.child.signalCode ? -1 : null);
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
  }

  count(msg: string): number {
    return this.logs.filter((l) => l.msg === msg).length;
  }
}

/** Polls until check() returns a value other than undefined. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A value of the exporter's /metrics. */
export async function metricValue(base: string, line: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  if (!found) {
    throw new Error(`no ${line} in /metrics`);
  }
  return Number(found.slice(line.length + 1));
}
