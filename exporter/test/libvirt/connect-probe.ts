// Child process of the permission test: tries to connect to the socket given
// as argument and prints the outcome as JSON (error class, code, message).

import { LibvirtClient } from '../../src/libvirt/client.js';
import { ConnectFailedError } from '../../src/libvirt/errors.js';

async function probe(socketPath: string): Promise<{ name: string; code: string | undefined; message: string }> {
  try {
    const client = await LibvirtClient.connect({ socketPath, uri: 'test:///default' });
    await client.close();
    return { name: 'connected', code: undefined, message: '' };
  } catch (error) {
    const e = error as Error;
    return { name: e.name, code: e instanceof ConnectFailedError ? e.code : undefined, message: e.message };
  }
}

void probe(process.argv[2]!).then((result) => console.log(JSON.stringify(result)));
