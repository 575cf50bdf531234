// The driver URI as libvirt's remote driver sends it in CONNECT_OPEN: the
// client-side transport and host are dropped, the daemon only sees which
// driver to open ('qemu+tcp://host/system' → 'qemu:///system').

/** Query parameters that configure the client transport, never sent to the daemon (see libvirt's remote driver). */
const CLIENT_SIDE_PARAMS = new Set([
  'name',
  'command',
  'socket',
  'auth',
  'netcat',
  'keyfile',
  'sshauth',
  'no_verify',
  'no_tty',
  'pkipath',
  'known_hosts',
  'known_hosts_verify',
  'tls_priority',
  'mode',
  'proxy',
]);

const URI_PATTERN = /^([a-zA-Z][a-zA-Z0-9.-]*)(?:\+[a-zA-Z0-9-]+)?:(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?$/;

export function daemonSideUri(uri: string): string {
  const match = URI_PATTERN.exec(uri);
  if (!match) {
    throw new TypeError(`not a libvirt URI: ${JSON.stringify(uri)} (expected e.g. qemu:///system or test:///default)`);
  }
  const [, driver, authority, path, query] = match;
  const kept = (query ?? '')
    .split('&')
    .filter((pair) => pair !== '' && !CLIENT_SIDE_PARAMS.has(decodeURIComponent(pair.split('=')[0]!)));
  const base = authority === undefined ? `${driver}:${path}` : `${driver}://${path}`;
  return kept.length === 0 ? base : `${base}?${kept.join('&')}`;
}
