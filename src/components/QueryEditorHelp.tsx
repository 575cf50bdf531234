import React from 'react';
import { QueryEditorHelpProps } from '@grafana/data';

import { VmQuery } from '../types';

/** The query help page of the editor ("Help" in Explore and the panel editor). */
export function QueryEditorHelp(_: QueryEditorHelpProps<VmQuery>) {
  return (
    <div>
      <h2>VM Telemetry queries</h2>
      <h3>Metrics</h3>
      <p>
        Pick VMs (all, a list, or a regular expression on the VM name; <code>$vm</code> and <code>$host</code> work),
        the metrics, and the outputs: <b>value</b> as stored, <b>rate</b> as an angle in degrees (40 % → 50 % in 1 s =
        84.3°), <b>per second</b> for byte counters. After a VM starts its counters start again from zero, so the first
        rate after it is null (a reboot keeps them: the guest restarts inside the same QEMU process). The metric <b>state</b> is the VM&apos;s state as libvirt&apos;s number (1
        running, 3 paused, 5 shut off, 6 crashed, ...), shown by its name.
      </p>
      <h3>Devices</h3>
      <p>
        Per disk or per network interface of the VMs: pick <b>Disks</b> (read/write bytes and operations) or{' '}
        <b>Interfaces</b> (rx/tx bytes, packets, errors, drops), optionally the device names (<code>vda</code>,{' '}
        <code>vnet0</code>, or a variable). Each VM and device is its own series, labelled <code>device</code> or{' '}
        <code>interface</code>: alias <code>{'{{vm}} {{device}}'}</code>.
      </p>
      <h3>Alias</h3>
      <p>
        Names each series: <code>{'{{vm}}'}</code>, <code>{'{{host}}'}</code>, <code>{'{{uuid}}'}</code> and{' '}
        <code>{'{{field}}'}</code> are replaced, e.g. <code>{'{{vm}} on {{host}}: {{field}}'}</code>.
      </p>
      <h3>Raw InfluxQL</h3>
      <p>
        A SELECT statement; <code>$timeFilter</code> and <code>$__interval</code> are filled in, template variables are
        escaped for their literal.
      </p>
      <h3>Events (annotations)</h3>
      <p>
        The VMs&apos; lifecycle events recorded by the exporter (started, stopped, suspended, resumed, rebooted,
        crashed, defined, undefined, ...), filtered by VM, host and event. Use it as an annotation query: each event is
        a mark on the graphs, titled <i>vm event (detail)</i>; events found after the exporter reconnected to libvirt
        say so.
      </p>
      <h3>Ad hoc filters</h3>
      <p>
        Dashboard ad hoc filters on <code>host</code> and <code>vm</code> (=, !=, =~, !~) apply to metrics and events
        queries. The query inspector shows the InfluxQL or Flux that was run.
      </p>
    </div>
  );
}
