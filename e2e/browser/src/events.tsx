// The VM's time-series panels of the provisioned dashboard with the "VM
// events" annotations on them, from the answers the launched plugin gave the
// end-to-end test (events-panels.json, written by TestEndToEnd/Lifecycle
// in Grafana's /api/ds/query JSON).
//
// What is Grafana's: the frames decoded by @grafana/data, the panel's
// fieldConfig applied by applyFieldOverrides, the plot drawn by @grafana/ui's
// TimeSeries (uPlot, the time series panel's chart) over the panel's time
// range, the marker layer placed by @grafana/ui's EventsCanvas.
// What is this harness's: the annotation marks themselves. Grafana draws
// them in its core (the time series panel's annotations plugin), which no
// package exports; they are drawn here the way Grafana does: a dashed
// vertical line of the annotation's colour across the plot at its time, a
// small triangle below the plot, and on hover a tooltip with the time, the
// title, the text and the tags. What was drawn is kept in window.events for
// run.mjs.
import {
  applyFieldOverrides,
  createTheme,
  type DataFrame,
  dateTime,
  FieldType,
  type TimeRange,
} from '@grafana/data';
import { EventsCanvas, TimeSeries, type UPlotConfigBuilder } from '@grafana/ui';
import { LegendDisplayMode } from '@grafana/schema';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type uPlot from 'uplot';

import { standardOptions } from './fieldOptions';
import { answerFrames, loadPanelAnswers, type PanelAnswer } from './panelAnswers';

type PanelEntry = PanelAnswer<{ iconColor?: string }>;

/** One annotation as Grafana reads it from the frame (time, timeEnd, title, text, tags). */
interface VMEvent {
  time: number;
  timeEnd: number;
  title: string;
  text: string;
  tags: string[];
  color: string;
}

/** A panel as drawn: the plot area in page pixels and each marker's x. */
interface DrawnPanel {
  panel: string;
  series: number;
  from: number;
  to: number;
  markers: Array<{ time: number; title: string; x: number }>;
}

declare global {
  interface Window {
    events: { panels: DrawnPanel[]; error?: string; done?: boolean };
  }
}

window.events = { panels: [] };
const theme = createTheme({ colors: { mode: 'dark' } });
const registry = standardOptions();
const PANEL_WIDTH = 1180;
const PANEL_HEIGHT = 300;

/** The annotation rows of an annotation query's answer, coloured as the dashboard's iconColor says. */
function eventsOf(entry: PanelEntry): VMEvent[] {
  const color = theme.visualization.getColorByName(entry.options.iconColor ?? 'red');
  return answerFrames(entry).flatMap((frame) => {
    const field = (name: string) => frame.fields.find((f) => f.name === name)?.values ?? [];
    const [time, timeEnd, title, text, tags] = ['time', 'timeEnd', 'title', 'text', 'tags'].map(field);
    return time.map((t: number, i: number) => ({
      time: t,
      timeEnd: timeEnd[i] ?? t,
      title: title[i] ?? '',
      text: text[i] ?? '',
      // Grafana splits a string of tags at commas.
      tags: String(tags[i] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      color,
    }));
  });
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** The triangle below the plot at an event's time, and its tooltip on hover. */
function EventMarker({ event }: { event: VMEvent }) {
  const [hover, setHover] = useState(false);
  return (
    <div
      className="event-marker"
      data-time={event.time}
      data-title={event.title}
      onMouseEnter={() => setHover(true)}
      onMouseLeave={() => setHover(false)}
      style={{ padding: '0 4px 4px 4px', width: 8, height: 5, boxSizing: 'content-box', transform: 'translate3d(-50%, 0, 0)', cursor: 'pointer' }}
    >
      <div
        style={{
          width: 0,
          height: 0,
          borderLeft: '4px solid transparent',
          borderRight: '4px solid transparent',
          borderBottom: `5px solid ${event.color}`,
          pointerEvents: 'none',
        }}
      />
      {hover && (
        <div
          className="event-tooltip"
          style={{
            position: 'absolute',
            bottom: 14,
            left: '50%',
            transform: 'translateX(-50%)',
            width: 320,
            background: theme.colors.background.secondary,
            border: `1px solid ${theme.colors.border.weak}`,
            borderRadius: 2,
            padding: 8,
            color: theme.colors.text.primary,
            fontSize: 12,
            zIndex: 10,
          }}
        >
          <div style={{ color: theme.colors.text.secondary }}>{formatTime(event.time)}</div>
          <div style={{ fontWeight: 500, margin: '4px 0' }}>{event.title}</div>
          <div>{event.text}</div>
          <div style={{ marginTop: 4 }}>
            {event.tags.map((tag) => (
              <span key={tag} style={{ background: theme.colors.background.canvas, borderRadius: 2, padding: '0 4px', marginRight: 4 }}>
                {tag}
              </span>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}

/**
 * The annotation layer of one plot: dashed lines drawn on uPlot's canvas in
 * its draw hook (as Grafana's annotations plugin does), markers through
 * EventsCanvas at valToPos of each time, a record of both for run.mjs.
 */
function Annotations({ config, events, drawn }: { config: UPlotConfigBuilder; events: VMEvent[]; drawn: DrawnPanel }) {
  const plot = useRef<uPlot | undefined>(undefined);
  useLayoutEffect(() => {
    config.addHook('init', (u: uPlot) => {
      plot.current = u;
    });
    config.addHook('draw', (u: uPlot) => {
      const ctx = u.ctx;
      ctx.save();
      ctx.beginPath();
      ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
      ctx.clip();
      ctx.lineWidth = 2;
      ctx.setLineDash([5, 5]);
      for (const event of events) {
        const x = u.valToPos(event.time, 'x', true);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.strokeStyle = event.color;
        ctx.stroke();
      }
      ctx.restore();
    });
  }, [config, events]);
  // EventsCanvas renders its markers on a draw after it is mounted; uPlot's
  // first draw comes before (in Grafana a cursor move or resize redraws).
  useEffect(() => {
    plot.current?.redraw();
  }, []);
  const frame: DataFrame = {
    name: 'events',
    length: events.length,
    fields: [{ name: 'time', type: FieldType.time, config: {}, values: events.map((e) => e.time) }],
  };
  return (
    <EventsCanvas
      id="vm-events"
      config={config}
      events={[frame]}
      mapEventToXYCoords={(_frame: DataFrame, row: number) => {
        const u = plot.current;
        if (!u) {
          return undefined;
        }
        const x = u.valToPos(events[row].time, 'x');
        drawn.markers[row] = { time: events[row].time, title: events[row].title, x };
        return { x, y: u.bbox.height / window.devicePixelRatio + 4 };
      }}
      renderEventMarker={(_frame: DataFrame, row: number) => <EventMarker event={events[row]} />}
    />
  );
}

function AnnotatedPanel({ entry, events }: { entry: PanelEntry; events: VMEvent[] }) {
  const frames = applyFieldOverrides({
    data: answerFrames(entry),
    fieldConfig: entry.fieldConfig,
    fieldConfigRegistry: registry,
    replaceVariables: (s: string) => s,
    theme,
    timeZone: 'utc',
  });
  const from = dateTime(entry.from);
  const to = dateTime(entry.to);
  const timeRange: TimeRange = { from, to, raw: { from, to } };
  const series = frames.reduce((n, f) => n + f.fields.filter((field) => field.type === FieldType.number).length, 0);
  const drawn: DrawnPanel = { panel: entry.title, series, from: entry.from!, to: entry.to!, markers: [] };
  window.events.panels.push(drawn);
  return (
    <div className="annotated-panel" data-panel={entry.id} style={{ width: PANEL_WIDTH, margin: 8, background: '#181b1f', padding: 8 }}>
      <div className="panel-title" style={{ color: '#ccccdc', fontSize: 14, marginBottom: 4 }}>
        {entry.title} · {entry.vm}
      </div>
      <TimeSeries
        frames={frames}
        width={PANEL_WIDTH}
        height={PANEL_HEIGHT}
        timeRange={timeRange}
        timeZone="utc"
        legend={{ showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] }}
      >
        {(config: UPlotConfigBuilder) => <Annotations config={config} events={events} drawn={drawn} />}
      </TimeSeries>
    </div>
  );
}

async function main() {
  const entries = await loadPanelAnswers<PanelEntry['options']>();
  const vm = new URLSearchParams(window.location.search).get('vm') ?? entries[0]?.vm;
  const events = entries.filter((e) => e.type === 'annotations' && e.vm === vm).flatMap(eventsOf);
  const panels = entries.filter((e) => e.type === 'timeseries' && e.vm === vm);
  if (panels.length === 0) {
    throw new Error(`no time-series panel answer for VM ${vm}`);
  }
  createRoot(document.getElementById('root')!).render(
    <div id="events" style={{ width: PANEL_WIDTH + 32, background: '#111217', padding: 8 }}>
      {panels.map((entry) => (
        <AnnotatedPanel key={entry.id} entry={entry} events={events} />
      ))}
    </div>
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  window.events.done = true;
}

main().catch((error) => {
  window.events.error = String(error?.stack ?? error);
  window.events.done = true;
});
