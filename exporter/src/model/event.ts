// A domain lifecycle event as the exporter records it (docs/CONTRACT.md, vm_event).

export interface VmEvent {
  timeMs: number;
  vm: string;
  uuid: string;
  /** defined, undefined, started, suspended, resumed, stopped, shutdown, pmsuspended, crashed or rebooted. */
  event: string;
  /** libvirt's detail of the event (booted, destroyed, migrated, ...); for a reconciled event the reason of the state found. Empty when libvirt gives none (rebooted). */
  detail: string;
  /** true when derived from the domains' states after a reconnect rather than announced by libvirt. */
  reconciled: boolean;
}
