// The answers the Go end-to-end test wrote for these pages (panels.json, by
// e2e/provisioning.WritePanelAnswers): each panel as the dashboard has it,
// with the backend's answer in the JSON of Grafana's /api/ds/query.
import { dataFrameFromJSON, type DataFrame, type DataFrameJSON, type FieldConfigSource } from '@grafana/data';

export interface PanelAnswer<Options> {
  id: number;
  title: string;
  type: string;
  vm: string;
  fieldConfig: FieldConfigSource;
  options: Options;
  transformations?: Array<{ id: string; options: object }>;
  /** The range asked (ms since the epoch), when the test set one. */
  from?: number;
  to?: number;
  response: { results: Record<string, { frames?: DataFrameJSON[]; error?: string }> };
}

export async function loadPanelAnswers<Options>(): Promise<Array<PanelAnswer<Options>>> {
  return (await fetch('/panels.json')).json();
}

/** The frames of a panel's answer, each with its refId; an error of the answer is thrown. */
export function answerFrames<Options>(entry: PanelAnswer<Options>): DataFrame[] {
  const frames: DataFrame[] = [];
  for (const [refId, result] of Object.entries(entry.response.results)) {
    if (result.error) {
      throw new Error(`panel ${entry.title}: ${refId}: ${result.error}`);
    }
    for (const frame of result.frames ?? []) {
      frames.push({ ...dataFrameFromJSON(frame), refId });
    }
  }
  return frames;
}
