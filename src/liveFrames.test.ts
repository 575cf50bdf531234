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

import { PerVmStreamBuffer, vmLiveStream } from './liveFrames';

/** A frame as the backend's RunStream sends it for one VM: schema and data together. */
function vmFrame(vm: string, time: number, cpu: number | null): DataFrameJSON {
  const labels = { vm, host: 'kvm1', uuid: `uuid-${vm}` };
  return {
    schema: {
      name: vm,
      meta: { type: 'timeseries-wide' as never, typeVersion: [0, 1] },
      fields: [
        { name: 'time', type: FieldType.time },
        { name: 'cpu_usage_percent', type: FieldType.number, labels, config: { unit: 'percent' } },
        { name: 'cpu_usage_percent_rate', type: FieldType.number, labels, config: { unit: 'degree' } },
      ],
    },
    data: { values: [[time], [cpu], [cpu === null ? null : cpu / 2]] },
  };
}

const message = (frame: DataFrameJSON): LiveChannelEvent<DataFrameJSON> => ({
  type: LiveChannelEventType.Message,
  message: frame,
});

describe('PerVmStreamBuffer', () => {
  it('keeps interleaved frames of two VMs apart, with their labels', () => {
    const buffer = new PerVmStreamBuffer('A', 100);
    buffer.push(vmFrame('one-72', 1000, 20));
    buffer.push(vmFrame('one-71', 1000, 10));
    buffer.push(vmFrame('one-72', 2000, 22));
    buffer.push(vmFrame('one-71', 2000, 11));

    const frames = buffer.snapshot();
    expect(frames.map((f) => f.name)).toEqual(['one-71', 'one-72']);
    const [first, second] = frames;
    expect(first.refId).toBe('A');
    expect(first.fields.map((f) => f.values)).toEqual([
      [1000, 2000],
      [10, 11],
      [5, 5.5],
    ]);
    expect(second.fields[1].values).toEqual([20, 22]);
    expect(first.fields[1].labels).toEqual({ vm: 'one-71', host: 'kvm1', uuid: 'uuid-one-71' });
    expect(second.fields[2].labels?.vm).toBe('one-72');
    expect(first.fields[2].config.unit).toBe('degree');
  });

  it('keeps nulls and never more rows than asked', () => {
    const buffer = new PerVmStreamBuffer('A', 3);
    for (let t = 1; t <= 5; t++) {
      buffer.push(vmFrame('one-71', t * 1000, t === 4 ? null : t));
    }
    const [frame] = buffer.snapshot();
    expect(frame.length).toBe(3);
    expect(frame.fields[1].values).toEqual([3, null, 5]);
  });

  it('continues the previous frame with a data-only message, and refuses data before any schema', () => {
    const buffer = new PerVmStreamBuffer('A', 10);
    expect(buffer.push({ data: { values: [[1000], [1], [1]] } })).toMatch(/before any frame schema/);
    buffer.push(vmFrame('one-71', 1000, 1));
    expect(buffer.push({ data: { values: [[2000], [2], [1]] } })).toBeUndefined();
    expect(buffer.snapshot()[0].fields[1].values).toEqual([1, 2]);
  });

  it('hands out copies that later messages do not change', () => {
    const buffer = new PerVmStreamBuffer('A', 10);
    buffer.push(vmFrame('one-71', 1000, 1));
    const before = buffer.snapshot();
    buffer.push(vmFrame('one-71', 2000, 2));
    expect(before[0].fields[1].values).toEqual([1]);
  });
});

describe('vmLiveStream', () => {
  const addr: LiveChannelAddress = {
    scope: LiveChannelScope.DataSource,
    stream: 'vmt-test',
    path: 'live/0123456789abcdef',
  };
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

  it('answers after each message with every VM so far, streaming', async () => {
    const responses = lastValueFrom(vmLiveStream(addr, 'A', 100, 'k').pipe(toArray()));
    channel.next(message(vmFrame('one-71', 1000, 10)));
    channel.next({
      type: LiveChannelEventType.Status,
      id: 'x',
      timestamp: 0,
      state: LiveChannelConnectionState.Connected,
    });
    channel.next(message(vmFrame('one-72', 1000, 20)));
    channel.complete();
    const answers: DataQueryResponse[] = await responses;
    expect(subscribedTo).toEqual([addr]);
    expect(answers).toHaveLength(2);
    expect(answers.every((a) => a.state === LoadingState.Streaming && a.key === 'k')).toBe(true);
    expect(answers[1].data.map((f) => f.name)).toEqual(['one-71', 'one-72']);
  });

  it('reports a channel error naming the channel', async () => {
    const responses = lastValueFrom(vmLiveStream(addr, 'A', 100, 'k').pipe(toArray()));
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
    expect(answer.errors?.[0]).toEqual({ refId: 'A', message: 'Live stream live/0123456789abcdef: permission denied' });
  });

  it('leaves the channel when the panel unsubscribes', () => {
    const subscription = vmLiveStream(addr, 'A', 100, 'k').subscribe();
    expect(channel.observed).toBe(true);
    subscription.unsubscribe();
    expect(channel.observed).toBe(false);
  });
});
