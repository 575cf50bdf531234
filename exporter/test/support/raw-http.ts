// A client that sends exact bytes to an HTTP port (no library to tidy
// them up) and reports what came back, for the hostile-input tests.

import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** Everything the server sent. */
  text: string;
  /** The status of the first status line, or null when none came. */
  status: number | null;
  /** The server closed the connection (rather than the client giving up). */
  closedByServer: boolean;
}

/**
 * Sends `chunks` (with `gapMs` between them), then waits up to waitMs for
 * the server to answer and close; `halfClose` ends the client's side after
 * the last chunk, as a client that has nothing more to send.
 */
export function rawExchange(address: string, chunks: Array<string | Buffer>, waitMs = 5000, gapMs = 0, halfClose = false): Promise<RawAnswer> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(separator + 1));
  return new Promise((resolve) => {
    let text = '';
    let closedByServer = false;
    let timer: NodeJS.Timeout | undefined;
    const socket: Socket = connect({ port, host, allowHalfOpen: true }, async () => {
      for (const [i, chunk] of chunks.entries()) {
        if (i > 0 && gapMs > 0) {
          await new Promise((r) => setTimeout(r, gapMs));
        }
        if (socket.destroyed || socket.writableEnded) {
          break;
        }
        socket.write(chunk);
      }
      if (halfClose && !socket.destroyed) {
        socket.end();
      }
      timer = setTimeout(() => socket.destroy(), waitMs);
    });
    socket.on('data', (data) => (text += data.toString('latin1')));
    // The server has said all it will (allowHalfOpen keeps our side open until we end it):
    // end ours, so that the answer is complete now and not when waitMs runs out.
    socket.on('end', () => {
      closedByServer = true;
      socket.end();
    });
    socket.on('error', () => (closedByServer = true));
    socket.on('close', () => {
      clearTimeout(timer);
      const match = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
      resolve({ text, status: match ? Number(match[1]) : null, closedByServer });
    });
  });
}

/** Opens a connection and keeps it open without sending anything; resolves once connected. */
export function idleConnection(address: string): Promise<{ socket: Socket; closed: Promise<string> }> {
  const separator = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(address.slice(separator + 1)), address.slice(0, separator).replace(/^\[(.*)\]$/, '$1'));
    let text = '';
    socket.on('data', (data) => (text += data.toString('latin1')));
    const closed = new Promise<string>((done) => socket.on('close', () => done(text)));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}
