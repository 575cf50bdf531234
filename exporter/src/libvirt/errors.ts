// Every failure the client reports is one of these classes, so callers can
// tell a missing daemon from a forbidden socket, a slow call, a dropped
// connection and an error libvirt itself returned.

/** Base class of all errors raised by this client. */
export class LibvirtClientError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The transport could not be opened (system error such as ECONNREFUSED). */
export class ConnectFailedError extends LibvirtClientError {
  constructor(
    message: string,
    /** The system error code, e.g. 'ECONNREFUSED', 'ENOENT', 'EACCES'. */
    readonly code: string | undefined,
    /** The socket path or host:port tried. */
    readonly address: string,
    options?: ErrorOptions
  ) {
    super(message, options);
  }
}

/** The unix socket does not exist (ENOENT): libvirtd is not running or the path is wrong. */
export class SocketMissingError extends ConnectFailedError {
  constructor(path: string, options?: ErrorOptions) {
    super(
      `libvirt socket ${path} does not exist: is libvirtd running, and is this the right path?`,
      'ENOENT',
      path,
      options
    );
  }
}

/** The unix socket exists but this process may not connect to it (EACCES/EPERM). */
export class PermissionDeniedError extends ConnectFailedError {
  constructor(path: string, code: string, options?: ErrorOptions) {
    super(
      `permission denied connecting to libvirt socket ${path}: use the read-only socket ` +
        `/run/libvirt/libvirt-sock-ro, or run as a member of the libvirt group`,
      code,
      path,
      options
    );
  }
}

/** No reply arrived within the per-call timeout. The connection stays open. */
export class CallTimeoutError extends LibvirtClientError {
  constructor(
    readonly procedure: string,
    readonly timeoutMs: number
  ) {
    super(`libvirt call ${procedure} got no reply within ${timeoutMs} ms`);
  }
}

/** The connection was closed (by us, by the daemon, or by a socket error) before a reply. */
export class ConnectionClosedError extends LibvirtClientError {}

/** The peer sent bytes that are not libvirt RPC; the connection is dropped. */
export class ProtocolError extends LibvirtClientError {}

/** The daemon refused authentication, or offers only methods this client lacks. */
export class AuthenticationError extends LibvirtClientError {}

/** Fields of virNetMessageError / remote_error (see virterror.h). */
export interface LibvirtErrorDetails {
  /** virErrorNumber, e.g. ErrorCode.NO_DOMAIN. */
  code: number;
  /** virErrorDomain: the subsystem that raised it. */
  domain: number;
  message: string | null;
  level: number;
  str1: string | null;
  str2: string | null;
  str3: string | null;
  int1: number;
  int2: number;
}

/** An error reply from libvirtd. */
export class LibvirtError extends LibvirtClientError implements LibvirtErrorDetails {
  readonly code: number;
  readonly domain: number;
  readonly level: number;
  readonly str1: string | null;
  readonly str2: string | null;
  readonly str3: string | null;
  readonly int1: number;
  readonly int2: number;

  constructor(
    details: LibvirtErrorDetails,
    /** The call that failed, when known. */
    readonly procedure?: string
  ) {
    const text = details.message ?? `libvirt error code ${details.code}`;
    super(procedure ? `${procedure}: ${text}` : text);
    this.code = details.code;
    this.domain = details.domain;
    this.level = details.level;
    this.str1 = details.str1;
    this.str2 = details.str2;
    this.str3 = details.str3;
    this.int1 = details.int1;
    this.int2 = details.int2;
  }
}
