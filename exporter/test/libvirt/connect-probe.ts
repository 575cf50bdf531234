// Child process of the permission test, run as an ordinary user: connects to
// the socket given as argument and prints the outcome as JSON (the domains
// listed, or the error's class, code and message).

import { LibvirtClient } from '../../src/libvirt/client.js';
import { ConnectFailedError } from '../../src/libvirt/errors.js';

interface Outcome {
  name: string;
  code?: string | undefined;
  message: string;
  domains?: string[];
}

async function probe(socketPath: string): Promise<Outcome> {
  try {
    const client = await LibvirtClient.connect({ socketPath, uri: 'test:///default' });
    const domains = (await client.listAllDomains()).map((d) => d.name);
    await client.close();
    return { name: 'connected', message: '', domains };
  } catch (error) {
    const e = error as Error;
    return { name: e.name, code: e instanceof ConnectFailedError ? e.code : undefined, message: e.message };
  }
}

void probe(process.argv[2]!).then((result) => console.log(JSON.stringify(result)));
