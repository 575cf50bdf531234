// The project's scripts/ (docs/TESTING.md) as the exporter's tests call them:
// each script that starts something prints sourceable KEY=value lines on
// stdout. A component that cannot start here skips the test, except under
// CI=true, where the test fails: CI must not pass by skipping.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Absolute path of scripts/ (VMT_SCRIPTS, as scripts/test-all.sh exports it). */
export const SCRIPTS = process.env['VMT_SCRIPTS'] ?? fileURLToPath(new URL('../../../scripts/', import.meta.url));

/** The KEY=value lines of a script's output. */
export function parseScriptEnv(output: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) {
      env[match[1]!] = match[2]!;
    }
  }
  return env;
}

export interface ScriptOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs scripts/<script> and returns its KEY=value lines; rejects with its stderr on failure. */
export async function runScript(script: string, args: string[], options: ScriptOptions): Promise<Record<string, string>> {
  try {
    const { stdout } = await execFileAsync(join(SCRIPTS, script), args, {
      timeout: options.timeoutMs,
      env: options.env ?? process.env,
    });
    return parseScriptEnv(stdout);
  } catch (error) {
    const e = error as { message: string; stderr?: string };
    throw new Error(`scripts/${script} ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`, { cause: error });
  }
}

/** Skips the test because `what` cannot start, or fails it under CI=true. */
export function unavailable(t: TestContext, what: string, why: string): undefined {
  if (process.env['CI'] === 'true') {
    throw new Error(`${what} is required under CI=true but cannot start: ${why}`);
  }
  t.skip(`${what} cannot start here (CI=true would fail): ${why}`);
  return undefined;
}
