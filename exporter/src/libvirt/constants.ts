// Public libvirt constants (include/libvirt/libvirt-domain.h, virterror.h)
// that callers pass to or read from this client.

/** virConnectFlags, for connect open. */
export const ConnectFlag = {
  RO: 1,
  NO_ALIASES: 2,
} as const;

/** virDomainStatsTypes: the groups asked of getAllDomainStats. */
export const DomainStatsGroup = {
  STATE: 1 << 0,
  CPU_TOTAL: 1 << 1,
  BALLOON: 1 << 2,
  VCPU: 1 << 3,
  INTERFACE: 1 << 4,
  BLOCK: 1 << 5,
  PERF: 1 << 6,
  IOTHREAD: 1 << 7,
  MEMORY: 1 << 8,
  DIRTYRATE: 1 << 9,
  VM: 1 << 10,
} as const;

/** virConnectGetAllDomainStatsFlags. */
export const GetAllDomainStatsFlag = {
  ACTIVE: 1 << 0,
  INACTIVE: 1 << 1,
  PERSISTENT: 1 << 2,
  TRANSIENT: 1 << 3,
  RUNNING: 1 << 4,
  PAUSED: 1 << 5,
  SHUTOFF: 1 << 6,
  OTHER: 1 << 7,
  /** Skip a domain whose job lock is held (migration, shutdown) instead of waiting ~30 s (libvirt ≥ 4.5). */
  NOWAIT: 1 << 29,
  BACKING: 1 << 30,
  ENFORCE_STATS: 0x8000_0000,
} as const;

/** virConnectListAllDomainsFlags. */
export const ListAllDomainsFlag = {
  ACTIVE: 1 << 0,
  INACTIVE: 1 << 1,
  PERSISTENT: 1 << 2,
  TRANSIENT: 1 << 3,
  RUNNING: 1 << 4,
  PAUSED: 1 << 5,
  SHUTOFF: 1 << 6,
  OTHER: 1 << 7,
  MANAGEDSAVE: 1 << 8,
  NO_MANAGEDSAVE: 1 << 9,
  AUTOSTART: 1 << 10,
  NO_AUTOSTART: 1 << 11,
  HAS_SNAPSHOT: 1 << 12,
  NO_SNAPSHOT: 1 << 13,
  HAS_CHECKPOINT: 1 << 14,
  NO_CHECKPOINT: 1 << 15,
} as const;

/** virDomainState. */
export const DomainState = {
  NOSTATE: 0,
  RUNNING: 1,
  BLOCKED: 2,
  PAUSED: 3,
  SHUTDOWN: 4,
  SHUTOFF: 5,
  CRASHED: 6,
  PMSUSPENDED: 7,
} as const;

/** virDomainMemoryStatTags: keys of domainMemoryStats (values in KiB unless noted). */
export const MemoryStatTag = {
  SWAP_IN: 0,
  SWAP_OUT: 1,
  MAJOR_FAULT: 2,
  MINOR_FAULT: 3,
  UNUSED: 4,
  AVAILABLE: 5,
  ACTUAL_BALLOON: 6,
  RSS: 7,
  USABLE: 8,
  /** Seconds since the epoch of the guest's last stats update. */
  LAST_UPDATE: 9,
  DISK_CACHES: 10,
  HUGETLB_PGALLOC: 11,
  HUGETLB_PGFAIL: 12,
} as const;
/** VIR_DOMAIN_MEMORY_STAT_NR of libvirt 9: the default number of stats asked for. */
export const MEMORY_STAT_COUNT = 13;

/** virDomainXMLFlags, for domainGetXMLDesc. */
export const DomainXmlFlag = {
  SECURE: 1 << 0,
  INACTIVE: 1 << 1,
  UPDATE_CPU: 1 << 2,
  MIGRATABLE: 1 << 3,
} as const;

/** The virErrorNumber values callers commonly branch on (LibvirtError.code). */
export const ErrorCode = {
  INTERNAL_ERROR: 1,
  NO_SUPPORT: 3,
  INVALID_ARG: 8,
  OPERATION_FAILED: 9,
  OPERATION_DENIED: 29,
  SYSTEM_ERROR: 38,
  RPC: 39,
  NO_DOMAIN: 42,
  AUTH_FAILED: 45,
  OPERATION_INVALID: 55,
} as const;

/** virDomainEventID: the event kinds registerDomainEvent can ask for (those this client decodes). */
export const DomainEventId = {
  LIFECYCLE: 0,
  REBOOT: 1,
} as const;

/** virDomainEventType: the `event` of a lifecycle event. */
export const DomainEventType = {
  DEFINED: 0,
  UNDEFINED: 1,
  STARTED: 2,
  SUSPENDED: 3,
  RESUMED: 4,
  STOPPED: 5,
  SHUTDOWN: 6,
  PMSUSPENDED: 7,
  CRASHED: 8,
} as const;

/**
 * The `detail` enums of each DomainEventType, in libvirt's order
 * (virDomainEventDefinedDetailType, virDomainEventUndefinedDetailType, ...):
 * index = detail value, entry = libvirt's name in lower case.
 */
export const DOMAIN_EVENT_DETAILS: Readonly<Record<number, readonly string[]>> = {
  [DomainEventType.DEFINED]: ['added', 'updated', 'renamed', 'from_snapshot'],
  [DomainEventType.UNDEFINED]: ['removed', 'renamed'],
  [DomainEventType.STARTED]: ['booted', 'migrated', 'restored', 'from_snapshot', 'wakeup', 'recreated'],
  [DomainEventType.SUSPENDED]: [
    'paused',
    'migrated',
    'ioerror',
    'watchdog',
    'restored',
    'from_snapshot',
    'api_error',
    'postcopy',
    'postcopy_failed',
  ],
  [DomainEventType.RESUMED]: ['unpaused', 'migrated', 'from_snapshot', 'postcopy', 'postcopy_failed'],
  [DomainEventType.STOPPED]: ['shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed', 'from_snapshot'],
  [DomainEventType.SHUTDOWN]: ['finished', 'guest', 'host'],
  [DomainEventType.PMSUSPENDED]: ['memory', 'disk'],
  [DomainEventType.CRASHED]: ['panicked', 'crashloaded'],
};

/**
 * The reasons of each DomainState as the STATE stats group reports them
 * ('state.reason'; virDomainRunningReason, virDomainPausedReason, ...):
 * index = reason value, entry = libvirt's name in lower case.
 */
export const DOMAIN_STATE_REASONS: Readonly<Record<number, readonly string[]>> = {
  [DomainState.NOSTATE]: ['unknown'],
  [DomainState.RUNNING]: [
    'unknown',
    'booted',
    'migrated',
    'restored',
    'from_snapshot',
    'unpaused',
    'migration_canceled',
    'save_canceled',
    'wakeup',
    'crashed',
    'postcopy',
    'postcopy_failed',
  ],
  [DomainState.BLOCKED]: ['unknown'],
  [DomainState.PAUSED]: [
    'unknown',
    'user',
    'migration',
    'save',
    'dump',
    'ioerror',
    'watchdog',
    'from_snapshot',
    'shutting_down',
    'snapshot',
    'crashed',
    'starting_up',
    'postcopy',
    'postcopy_failed',
    'api_error',
  ],
  [DomainState.SHUTDOWN]: ['unknown', 'user'],
  [DomainState.SHUTOFF]: ['unknown', 'shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed', 'from_snapshot', 'daemon'],
  [DomainState.CRASHED]: ['unknown', 'panicked'],
  [DomainState.PMSUSPENDED]: ['unknown'],
};
