import {
  DataFrame,
  DataFrameJSON,
  DataQueryResponse,
  isLiveChannelMessageEvent,
  isLiveChannelStatusEvent,
  LiveChannelAddress,
  LoadingState,
  StreamingDataFrame,
} from '@grafana/data';
import { getGrafanaLiveSrv } from '@grafana/runtime';
import { defer, filter, map, Observable } from 'rxjs';

/**
 * PerVmStreamBuffer keeps the rows of each VM apart. The backend's RunStream
 * sends one frame per VM on one channel (docs/PLUGIN-API.md); Grafana's
 * getDataStream keeps one StreamingDataFrame per channel and would append
 * every VM's rows to the same fields, under the labels of whichever VM came
 * last. Here each frame name (the VM) gets its own StreamingDataFrame.
 */
export class PerVmStreamBuffer {
  private readonly buffers = new Map<string, StreamingDataFrame>();
  private lastName: string | undefined;

  constructor(
    private readonly refId: string,
    private readonly maxLength: number
  ) {}

  /**
   * Adds one message of the channel. A message without a schema continues the
   * frame of the message before it. Returns why a message cannot be placed.
   */
  push(message: DataFrameJSON): string | undefined {
    const name = message.schema ? (message.schema.name ?? '') : this.lastName;
    if (name === undefined) {
      return 'the stream sent data before any frame schema';
    }
    this.lastName = name;
    let buffer = this.buffers.get(name);
    if (!buffer) {
      buffer = StreamingDataFrame.empty({ maxLength: this.maxLength });
      this.buffers.set(name, buffer);
    }
    buffer.push(message);
    return undefined;
  }

  /** A copy of every VM's frame, ordered by VM name so panels keep their order. */
  snapshot(): DataFrame[] {
    return [...this.buffers.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, buffer]) => ({
        name,
        refId: this.refId,
        meta: buffer.meta,
        length: buffer.length,
        fields: buffer.fields.map((field) => ({ ...field, values: field.values.slice() })),
      }));
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

/**
 * vmLiveStream subscribes to a live channel of the data source and answers,
 * after each message, with the newest rows of every VM seen so far.
 */
export function vmLiveStream(
  addr: LiveChannelAddress,
  refId: string,
  maxLength: number,
  key: string
): Observable<DataQueryResponse> {
  return defer(() => {
    const buffer = new PerVmStreamBuffer(refId, maxLength);
    return getGrafanaLiveSrv()
      .getStream<DataFrameJSON>(addr)
      .pipe(
        map((event): DataQueryResponse | undefined => {
          if (isLiveChannelMessageEvent(event)) {
            const problem = buffer.push(event.message);
            return problem
              ? {
                  key,
                  state: LoadingState.Error,
                  data: buffer.snapshot(),
                  errors: [{ refId, message: `Live stream ${addr.path}: ${problem}` }],
                }
              : { key, state: LoadingState.Streaming, data: buffer.snapshot() };
          }
          if (isLiveChannelStatusEvent(event) && event.error) {
            return {
              key,
              state: LoadingState.Error,
              data: buffer.snapshot(),
              errors: [{ refId, message: `Live stream ${addr.path}: ${describe(event.error)}` }],
            };
          }
          return undefined;
        }),
        filter((response): response is DataQueryResponse => response !== undefined)
      );
  });
}
