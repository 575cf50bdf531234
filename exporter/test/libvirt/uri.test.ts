import assert from 'node:assert/strict';
import { test } from 'node:test';
import { daemonSideUri } from '../../src/libvirt/uri.js';

test('the daemon gets the driver URI without client transport, host or transport parameters', () => {
  const cases: Array<[string, string]> = [
    ['qemu:///system', 'qemu:///system'],
    ['test:///default', 'test:///default'],
    ['test+unix:///default', 'test:///default'],
    ['qemu+tcp://root@host.example:16509/system', 'qemu:///system'],
    ['qemu+tls://host.example/system?no_verify=1&pkipath=/etc/pki', 'qemu:///system'],
    ['qemu+unix:///system?socket=/run/libvirt/libvirt-sock-ro', 'qemu:///system'],
    ['test:///tmp/node.xml', 'test:///tmp/node.xml'],
    ['qemu:///session?foo=bar&socket=/x', 'qemu:///session?foo=bar'],
  ];
  for (const [given, sent] of cases) {
    assert.equal(daemonSideUri(given), sent, given);
  }
});

test('a value that is not a URI is refused with the value in the message', () => {
  assert.throws(() => daemonSideUri('/run/libvirt/libvirt-sock'), /not a libvirt URI: "\/run\/libvirt\/libvirt-sock"/);
  assert.throws(() => daemonSideUri(''), TypeError);
});
