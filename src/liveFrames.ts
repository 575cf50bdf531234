import {
  DataFrame,
  DataFrameJSON,
  dataFrameFromJSON,
  DataFrameSchema,
  DataQueryResponse,
  Field,
  FieldType,
  isLiveChannelMessageEvent,
  isLiveChannelStatusEvent,
  LiveChannelAddress,
  LoadingState,
} from '@grafana/data';
import { getGrafanaLiveSrv } from '@grafana/runtime';
import { defer, filter, map, Observable } from 'rxjs';

import { VmQuery } from './types';

/** What a live panel picks from the data source's one stream. */
export type LiveSelection = Pick<VmQuery, 'queryType' | 'vmMode' | 'vms' | 'vmRegex' | 'metrics' | 'outputs'>;

/** The fleet frame's columns that are no metric (docs/PLUGIN-API.md, "Live streams"). */
const IDENTITY_FIELDS = ['time', 'ref', 'vm', 'host', 'uuid', 'state', 'stale'];

/** Whether a VM (reference `<host>/<name>`, name) is one the panel selects. */
function selects(selection: LiveSelection, ref: string, name: string): boolean {
  switch (selection.vmMode) {
    case 'list':
      return selection.vms.some((entry) => entry === ref || entry === name);
    case 'regex':
      try {
        return new RegExp(selection.vmRegex).test(name);
      } catch {
        return false;
      }
    default:
      return true;
  }
}

/** The field names a panel asks for, in the order of the range query's frames. */
function wantedFields(selection: LiveSelection, available: Set<string>): string[] {
  const names: string[] = [];
  for (const metric of selection.metrics) {
    const candidates = [
      selection.outputs.includes('value') ? metric : undefined,
      selection.outputs.includes('rate') ? `${metric}_rate` : undefined,
      selection.outputs.includes('per_second') ? `${metric}_per_second` : undefined,
    ];
    names.push(...candidates.filter((n): n is string => n !== undefined && available.has(n)));
  }
  return names;
}

interface VmHistory {
  times: number[];
  values: Map<string, Array<number | null>>;
  labels: Record<string, string>;
}

/**
 * FleetPicker turns the messages of the data source's stream (one fleet frame
 * per interval: a row per VM) into what one panel shows. A `fleet` panel gets
 * the newest fleet frame, its rows cut to the panel's VMs. A `metrics` panel gets
 * one wide frame per VM it selects, named `<host>/<name>` like the range query's,
 * with the fields it asks for and their history of up to maxLength samples; a
 * stale VM gets a null row at the time it was read, so gauges show no value
 * instead of its old one.
 */
export class FleetPicker {
  private schema: DataFrameSchema | undefined;
  private latest: DataFrame | undefined;
  private readonly history = new Map<string, VmHistory>();

  constructor(
    private readonly selection: LiveSelection,
    private readonly refId: string,
    private readonly maxLength: number
  ) {}

  /** Adds one message of the channel; returns why it cannot be read. */
  push(message: DataFrameJSON, now = Date.now()): string | undefined {
    this.schema = message.schema ?? this.schema;
    if (!this.schema) {
      return 'the stream sent data before its schema';
    }
    const frame = dataFrameFromJSON({ schema: this.schema, data: message.data });
    const column = (name: string) => frame.fields.find((f) => f.name === name)?.values;
    const [times, refs, names, hosts, uuids, stales] = ['time', 'ref', 'vm', 'host', 'uuid', 'stale'].map(column);
    if (!times || !refs || !names || !hosts || !stales) {
      return 'the stream sent a frame without the fleet columns (time, ref, vm, host, stale)';
    }
    const rows: number[] = [];
    for (let i = 0; i < frame.length; i++) {
      if (selects(this.selection, refs[i], names[i])) {
        rows.push(i);
      }
    }
    this.latest = {
      ...frame,
      refId: this.refId,
      length: rows.length,
      fields: frame.fields.map((f) => ({ ...f, values: rows.map((i) => f.values[i]) })),
    };
    if (this.selection.queryType !== 'fleet') {
      const metrics = frame.fields.filter((f) => !IDENTITY_FIELDS.includes(f.name));
      const wanted = wantedFields(this.selection, new Set(metrics.map((f) => f.name)));
      for (const i of rows) {
        this.append(
          refs[i],
          { vm: names[i], host: hosts[i], uuid: uuids?.[i] ?? '' },
          stales[i] ? now : times[i],
          Boolean(stales[i]),
          i,
          frame,
          wanted
        );
      }
    }
    return undefined;
  }

  private append(
    ref: string,
    labels: Record<string, string>,
    time: number,
    stale: boolean,
    row: number,
    frame: DataFrame,
    wanted: string[]
  ) {
    let vm = this.history.get(ref);
    if (!vm) {
      vm = { times: [], values: new Map(wanted.map((name) => [name, []])), labels };
      this.history.set(ref, vm);
    }
    vm.labels = labels;
    const last = vm.times.length - 1;
    if (last >= 0 && vm.times[last] >= time) {
      return; // no newer sample since the last message
    }
    vm.times.push(time);
    for (const name of wanted) {
      const values = frame.fields.find((f) => f.name === name)?.values;
      vm.values.get(name)?.push(stale ? null : (values?.[row] ?? null));
    }
    if (vm.times.length > this.maxLength) {
      vm.times.shift();
      vm.values.forEach((values) => values.shift());
    }
  }

  /** The panel's frames after the last message. */
  snapshot(): DataFrame[] {
    if (this.selection.queryType === 'fleet') {
      return this.latest ? [this.latest] : [];
    }
    const configs = new Map((this.latest?.fields ?? []).map((f) => [f.name, f.config]));
    return [...this.history.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([ref, vm]): DataFrame => {
        const fields: Field[] = [{ name: 'time', type: FieldType.time, config: {}, values: vm.times.slice() }];
        vm.values.forEach((values, name) =>
          fields.push({
            name,
            type: FieldType.number,
            config: configs.get(name) ?? {},
            labels: vm.labels,
            values: values.slice(),
          })
        );
        return {
          name: ref,
          refId: this.refId,
          length: vm.times.length,
          fields,
          meta: { type: 'timeseries-wide' as never, typeVersion: [0, 1] },
        };
      });
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

/**
 * fleetLiveStream subscribes to the data source's channel (Grafana's live
 * service shares one subscription per channel among all panels of a tab) and
 * answers, after each message, with what this panel picks from it.
 */
export function fleetLiveStream(
  addr: LiveChannelAddress,
  selection: LiveSelection,
  refId: string,
  maxLength: number,
  key: string
): Observable<DataQueryResponse> {
  return defer(() => {
    const picker = new FleetPicker(selection, refId, maxLength);
    return getGrafanaLiveSrv()
      .getStream<DataFrameJSON>(addr)
      .pipe(
        map((event): DataQueryResponse | undefined => {
          if (isLiveChannelMessageEvent(event)) {
            const problem = picker.push(event.message);
            return problem
              ? {
                  key,
                  state: LoadingState.Error,
                  data: picker.snapshot(),
                  errors: [{ refId, message: `Live stream ${addr.path}: ${problem}` }],
                }
              : { key, state: LoadingState.Streaming, data: picker.snapshot() };
          }
          if (isLiveChannelStatusEvent(event) && event.error) {
            return {
              key,
              state: LoadingState.Error,
              data: picker.snapshot(),
              errors: [{ refId, message: `Live stream ${addr.path}: ${describe(event.error)}` }],
            };
          }
          return undefined;
        }),
        filter((response): response is DataQueryResponse => response !== undefined)
      );
  });
}
