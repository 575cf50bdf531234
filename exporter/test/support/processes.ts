// The state of a daemon a test started, read from /proc. The container's pid 1
// does not reap orphans, so a killed daemon stays a zombie that kill(pid, 0)
// still finds; and a multi-threaded daemon whose main thread has exited shows
// state Z while its other threads still hold its sockets open. So a process
// counts as gone when every thread of it has exited, and as frozen (SIGSTOP)
// when every thread is stopped.

import { readdirSync, readFileSync } from 'node:fs';

const PATIENCE_MS = 60_000;

/** The state letters (R, S, T, Z...) of the process's threads; none when it does not exist. */
function threadStates(pid: number): string[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((task) => {
    try {
      const state = /^State:\s+([A-Z])/m.exec(readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8'));
      return state ? [state[1]!] : [];
    } catch {
      return []; // exited meanwhile
    }
  });
}

/** Whether any thread of the process has not exited. */
export function processRuns(pid: number): boolean {
  return threadStates(pid).some((state) => state !== 'Z' && state !== 'X');
}

async function waitFor(what: string, pid: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error(`process ${pid} not ${what} within ${PATIENCE_MS} ms: threads ${threadStates(pid).join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** SIGKILL, then waits until every thread has exited (its sockets are closed then). */
export async function killProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitFor('gone', pid, () => !processRuns(pid));
}

/** SIGSTOP, then waits until every thread is stopped, so that no call is answered any more. */
export async function freezeProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  await waitFor('stopped', pid, () => threadStates(pid).every((state) => state === 'T' || state === 'Z'));
}

/** SIGCONT (a no-op on a process that is not stopped or gone). */
export function thawProcess(pid: number): void {
  if (processRuns(pid)) {
    process.kill(pid, 'SIGCONT');
  }
}
