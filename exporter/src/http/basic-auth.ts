// HTTP basic authentication against bcrypt hashes (the web config file's
// basic_auth_users). bcrypt is slow on purpose, so a verified
// (user, password) pair is remembered by its SHA-256 for later requests;
// unknown users are checked against a dummy hash so that the answer takes
// as long as for a known one and does not tell which users exist.

const DUMMY_HASH = '$2b$10$vtjnDAR5OSUMfumP6k//mukgctZeBzOxSJ.FQYF2meVxL6Ukry.HO';
const REMEMBERED = 256;

export class BasicAuth {
  private readonly verified = new Set<string>();

  constructor(private readonly users: Map<string, string>) {}

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /** true when the Authorization header names a user of the file with the right password. */
  async check(authorization: string | undefined): Promise<boolean> {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
    if (!match) {
      return false;
    }
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      return false;
    }
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    // Loaded on the first request with credentials: exporters without users never need them.
    const { createHash } = await import('node:crypto');
    const key = createHash('sha256').update(user).update('\0').update(password).digest('base64');
    if (this.verified.has(key)) {
      return true;
    }
    const hash = this.users.get(user);
    const { default: bcrypt } = await import('bcryptjs');
    const ok = await bcrypt.compare(password, hash ?? DUMMY_HASH);
    if (!ok || hash === undefined) {
      return false;
    }
    if (this.verified.size >= REMEMBERED) {
      this.verified.clear();
    }
    this.verified.add(key);
    return true;
  }
}
