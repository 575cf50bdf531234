/** Data that cannot be XDR-encoded, or bytes that are not the XDR the reader expected. */
export class XdrError extends Error {
  constructor(message: string) {
    super(`XDR: ${message}`);
    this.name = 'XdrError';
  }
}
