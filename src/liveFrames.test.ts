import {
  DataFrameJSON,
  DataQueryResponse,
  FieldType,
  LiveChannelAddress,
  LiveChannelConnectionState,
  LiveChannelEvent,
  LiveChannelEventType,
  LiveChannelScope,
  LoadingState,
} from '@grafana/data';
import { GrafanaLiveSrv, setGrafanaLiveSrv } from '@grafana/runtime';
import { lastValueFrom, Subject, toArray } from 'rxjs';

import { FleetPicker, fleetLiveStream, LiveSelection } from './liveFrames';

interface Row {
  ref: string;
  time: number;
  cpu: number | null;
  stale?: boolean;
}

/** A fleet frame as the backend's RunStream sends it: schema and data together. */
function fleetFrame(rows: Row[], withSchema = true): DataFrameJSON {
  const [host, vm] = [rows.map((r) => r.ref.split('/')[0]), rows.map((r) => r.ref.split('/')[1])];
  return {
    schema: withSchema
      ? {
          name: 'fleet',
          fields: [
            { name: 'time', type: FieldType.time },
            { name: 'ref', type: FieldType.string },
            { name: 'vm', type: FieldType.string },
            { name: 'host', type: FieldType.string },
            { name: 'uuid', type: FieldType.string },
            { name: 'state', type: FieldType.string },
            { name: 'stale', type: FieldType.boolean },
            { name: 'cpu_usage_percent', type: FieldType.number, config: { unit: 'percent' } },
            { name: 'cpu_usage_percent_rate', type: FieldType.number, config: { unit: 'degree' } },
          ],
        }
      : undefined,
    data: {
      values: [
        rows.map((r) => r.time),
        rows.map((r) => r.ref),
        vm,
        host,
        rows.map((r) => `uuid-${r.ref}`),
        rows.map((r) => (r.stale ? 'stale' : 'running')),
        rows.map((r) => Boolean(r.stale)),
        rows.map((r) => (r.stale ? null : r.cpu)),
        rows.map((r) => (r.stale || r.cpu === null ? null : r.cpu / 2)),
      ],
    },
  };
}

const selection = (over: Partial<LiveSelection> = {}): LiveSelection => ({
  queryType: 'metrics',
  vmMode: 'all',
  vms: [],
  vmRegex: '',
  metrics: ['cpu_usage_percent'],
  outputs: ['value', 'rate'],
  ...over,
});

const message = (frame: DataFrameJSON): LiveChannelEvent<DataFrameJSON> => ({
  type: LiveChannelEventType.Message,
  message: frame,
});

describe('FleetPicker', () => {
  it('keeps same-named VMs of two hosts apart: two frames, each with its own values and labels', () => {
    const picker = new FleetPicker(selection(), 'A', 100);
    picker.push(
      fleetFrame([
        { ref: 'kvm1/web', time: 1000, cpu: 10 },
        { ref: 'kvm2/web', time: 1000, cpu: 80 },
      ])
    );
    picker.push(
      fleetFrame(
        [
          { ref: 'kvm1/web', time: 2000, cpu: 11 },
          { ref: 'kvm2/web', time: 2000, cpu: 81 },
        ],
        false
      )
    );
    const frames = picker.snapshot();
    expect(frames.map((f) => f.name)).toEqual(['kvm1/web', 'kvm2/web']);
    expect(frames[0].fields.map((f) => f.values)).toEqual([
      [1000, 2000],
      [10, 11],
      [5, 5.5],
    ]);
    expect(frames[1].fields[1].values).toEqual([80, 81]);
    expect(frames[1].fields[1].labels).toEqual({ vm: 'web', host: 'kvm2', uuid: 'uuid-kvm2/web' });
    expect(frames[0].fields[2].config.unit).toBe('degree');
  });

  it('picks the listed VMs (references or bare names), the regex, and only the fields asked', () => {
    const rows = [
      { ref: 'kvm1/a', time: 1000, cpu: 1 },
      { ref: 'kvm2/a', time: 1000, cpu: 2 },
      { ref: 'kvm1/b', time: 1000, cpu: 3 },
    ];
    const pick = (over: Partial<LiveSelection>) => {
      const picker = new FleetPicker(selection(over), 'A', 10);
      picker.push(fleetFrame(rows));
      return picker.snapshot();
    };
    expect(pick({ vmMode: 'list', vms: ['kvm2/a'] }).map((f) => f.name)).toEqual(['kvm2/a']);
    expect(pick({ vmMode: 'list', vms: ['a'] }).map((f) => f.name)).toEqual(['kvm1/a', 'kvm2/a']);
    expect(pick({ vmMode: 'regex', vmRegex: '^b$' }).map((f) => f.name)).toEqual(['kvm1/b']);
    expect(pick({ outputs: ['rate'] })[0].fields.map((f) => f.name)).toEqual(['time', 'cpu_usage_percent_rate']);
  });

  it('shows a stale VM as no value, never its old one, and adds a row only for a newer sample', () => {
    const picker = new FleetPicker(selection(), 'A', 3);
    picker.push(fleetFrame([{ ref: 'kvm1/a', time: 1000, cpu: 1 }]), 1500);
    picker.push(fleetFrame([{ ref: 'kvm1/a', time: 1000, cpu: 1 }]), 2500);
    picker.push(fleetFrame([{ ref: 'kvm1/a', time: 1000, cpu: 1, stale: true }]), 9000);
    const [frame] = picker.snapshot();
    expect(frame.fields[0].values).toEqual([1000, 9000]);
    expect(frame.fields[1].values).toEqual([1, null]);
  });

  it('keeps at most maxLength samples, and hands out copies', () => {
    const picker = new FleetPicker(selection(), 'A', 2);
    for (let t = 1; t <= 4; t++) {
      picker.push(fleetFrame([{ ref: 'kvm1/a', time: t * 1000, cpu: t }]));
    }
    const before = picker.snapshot();
    picker.push(fleetFrame([{ ref: 'kvm1/a', time: 5000, cpu: 5 }]));
    expect(before[0].fields[1].values).toEqual([3, 4]);
  });

  it('gives a fleet panel the newest fleet frame, cut to its VMs', () => {
    const picker = new FleetPicker(selection({ queryType: 'fleet', vmMode: 'regex', vmRegex: '^a$' }), 'F', 2);
    picker.push(
      fleetFrame([
        { ref: 'kvm1/a', time: 1000, cpu: 1 },
        { ref: 'kvm1/b', time: 1000, cpu: 2 },
      ])
    );
    const [frame] = picker.snapshot();
    expect(frame.length).toBe(1);
    expect(frame.fields.find((f) => f.name === 'ref')?.values).toEqual(['kvm1/a']);
  });

  it('refuses data before any schema', () => {
    expect(new FleetPicker(selection(), 'A', 2).push(fleetFrame([], false))).toMatch(/before its schema/);
  });
});

describe('fleetLiveStream', () => {
  const addr: LiveChannelAddress = { scope: LiveChannelScope.DataSource, stream: 'vmt-test', path: 'fleet/all/0123' };
  let channel: Subject<LiveChannelEvent<DataFrameJSON>>;
  let subscribedTo: LiveChannelAddress[];

  beforeEach(() => {
    channel = new Subject();
    subscribedTo = [];
    setGrafanaLiveSrv({
      getStream: (address: LiveChannelAddress) => {
        subscribedTo.push(address);
        return channel.asObservable();
      },
    } as unknown as GrafanaLiveSrv);
  });

  it('answers after each message with the panel’s VMs, streaming', async () => {
    const responses = lastValueFrom(fleetLiveStream(addr, selection(), 'A', 100, 'k').pipe(toArray()));
    channel.next(message(fleetFrame([{ ref: 'kvm1/a', time: 1000, cpu: 1 }])));
    channel.next({
      type: LiveChannelEventType.Status,
      id: 'x',
      timestamp: 0,
      state: LiveChannelConnectionState.Connected,
    });
    channel.next(
      message(
        fleetFrame([
          { ref: 'kvm1/a', time: 2000, cpu: 1 },
          { ref: 'kvm2/a', time: 2000, cpu: 1 },
        ])
      )
    );
    channel.complete();
    const answers: DataQueryResponse[] = await responses;
    expect(subscribedTo).toEqual([addr]);
    expect(answers).toHaveLength(2);
    expect(answers.every((a) => a.state === LoadingState.Streaming && a.key === 'k')).toBe(true);
    expect(answers[1].data.map((f) => f.name)).toEqual(['kvm1/a', 'kvm2/a']);
  });

  it('reports a channel error naming the channel', async () => {
    const responses = lastValueFrom(fleetLiveStream(addr, selection(), 'A', 100, 'k').pipe(toArray()));
    channel.next({
      type: LiveChannelEventType.Status,
      id: 'x',
      timestamp: 0,
      state: LiveChannelConnectionState.Invalid,
      error: { message: 'permission denied' },
    });
    channel.complete();
    const [answer] = await responses;
    expect(answer.state).toBe(LoadingState.Error);
    expect(answer.errors?.[0]).toEqual({ refId: 'A', message: 'Live stream fleet/all/0123: permission denied' });
  });

  it('leaves the channel when the panel unsubscribes', () => {
    const subscription = fleetLiveStream(addr, selection(), 'A', 100, 'k').subscribe();
    expect(channel.observed).toBe(true);
    subscription.unsubscribe();
    expect(channel.observed).toBe(false);
  });
});
