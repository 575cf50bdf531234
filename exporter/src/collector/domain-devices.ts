// The disk and interface target names of a domain, from its XML
// description (virDomainGetXMLDesc), for the per-device fallback calls.
// libvirt's XML is regular enough that the elements needed here are found
// without a full XML parser.

export interface DomainDevices {
  disks: string[];
  interfaces: string[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name]!);
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:'([^']*)'|"([^"]*)")`).exec(tag);
  return match ? decodeEntities(match[1] ?? match[2]!) : undefined;
}

function targetDevs(xml: string, element: string, keep: (openTag: string) => boolean): string[] {
  const names: string[] = [];
  const blocks = new RegExp(`(<${element}\\b[^>]*>)([\\s\\S]*?)</${element}>`, 'g');
  for (const [, openTag, body] of xml.matchAll(blocks)) {
    if (!keep(openTag!)) {
      continue;
    }
    const target = /<target\b[^>]*>/.exec(body!);
    const dev = target ? attribute(target[0], 'dev') : undefined;
    if (dev) {
      names.push(dev);
    }
  }
  return names;
}

export function parseDomainDevices(xml: string): DomainDevices {
  const devices = /<devices>([\s\S]*?)<\/devices>/.exec(xml)?.[1] ?? '';
  return {
    // Block stats exist for disks and LUNs, not for (usually empty) CD-ROM and floppy drives.
    disks: targetDevs(devices, 'disk', (tag) => ['disk', 'lun', undefined].includes(attribute(tag, 'device'))),
    interfaces: targetDevs(devices, 'interface', () => true),
  };
}
