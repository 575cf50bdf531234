import React, { useEffect, useMemo } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { RadioButtonGroup, Stack } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { DEVICE_KINDS, STATE_METRIC } from '../metrics';
import { DEFAULT_QUERY, migrateQuery } from '../migration';
import { QueryType, SCHEMA_VERSION, VmDataSourceOptions, VmQuery } from '../types';
import { validateQuery } from '../validation';
import { AliasField } from './query/AliasField';
import { DeviceSelector } from './query/DeviceSelector';
import { EventFilter } from './query/EventFilter';
import { HostField } from './query/HostField';
import { IssueSummary } from './query/IssueSummary';
import { LiveOptions } from './query/LiveOptions';
import { MetricPicker } from './query/MetricPicker';
import { OutputsField } from './query/OutputsField';
import { QueryPartProps } from './query/queryPart';
import { RangeOptions } from './query/RangeOptions';
import { RateScalesField } from './query/RateScalesField';
import { RateWindowField } from './query/RateWindowField';
import { RawQueryField } from './query/RawQueryField';
import { VmSelector } from './query/VmSelector';
import { useChoices } from './useChoices';

type Props = QueryEditorProps<DataSource, VmQuery, VmDataSourceOptions>;

const QUERY_TYPES: Array<SelectableValue<QueryType>> = [
  { label: 'Metrics', value: 'metrics' },
  {
    label: 'Fleet',
    value: 'fleet',
    description: 'One row per VM: its newest sample and rates, state and last seen (for a table)',
  },
  { label: 'Devices', value: 'devices' },
  { label: 'Raw InfluxQL', value: 'raw' },
  { label: 'Events', value: 'events' },
];

/**
 * Editor of a panel query (docs/PLUGIN-API.md). A query saved by an older
 * plugin version is migrated when it opens; problems are shown beside their
 * field and the query is run only when there are none. Each part (query/)
 * edits some fields of the query; this component owns the query's state.
 */
export function QueryEditor({ query: stored, onChange, onRunQuery, datasource }: Props) {
  const query = useMemo(() => migrateQuery(stored), [stored]);
  const vmChoices = useChoices(datasource, query.host);
  const deviceKind = query.queryType === 'devices' ? (query.deviceKind ?? 'disk') : undefined;
  // A devices query names the metrics of its device kind (pkg/models/metrics.json);
  // a metrics query may also name the VM's state.
  const choices = useMemo(
    () =>
      deviceKind
        ? { ...vmChoices, metrics: DEVICE_KINDS[deviceKind].metrics, metricsError: undefined }
        : query.queryType === 'metrics'
          ? { ...vmChoices, metrics: [...vmChoices.metrics, STATE_METRIC] }
          : vmChoices,
    [vmChoices, deviceKind, query.queryType]
  );
  const knownMetricNames = useMemo(() => choices.metrics.map((m) => m.name), [choices.metrics]);
  const issues = useMemo(() => validateQuery(query, knownMetricNames), [query, knownMetricNames]);

  useEffect(() => {
    if (stored.schemaVersion !== SCHEMA_VERSION) {
      onChange(query);
    }
  }, [stored.schemaVersion, query, onChange]);

  const part: QueryPartProps = {
    query,
    issues,
    onChange: (patch, run) => {
      const next = { ...query, ...patch };
      onChange(next);
      if (run && validateQuery(next, knownMetricNames).length === 0) {
        onRunQuery();
      }
    },
    onBlur: () => {
      if (issues.length === 0) {
        onRunQuery();
      }
    },
  };
  const isMetrics = query.queryType === 'metrics';
  const changeType = (queryType: QueryType) =>
    part.onChange(
      queryType === 'devices'
        ? { queryType, deviceKind: 'disk', devices: [], metrics: [...DEVICE_KINDS.disk.defaultMetrics], live: false }
        : { queryType, ...(query.queryType === 'devices' ? { metrics: [...DEFAULT_QUERY.metrics] } : {}) },
      true
    );

  return (
    <Stack direction="column" gap={1}>
      <RadioButtonGroup options={QUERY_TYPES} value={query.queryType} onChange={changeType} />
      {query.queryType === 'events' ? (
        <>
          <VmSelector {...part} choices={choices} />
          <EventFilter {...part} />
          <IssueSummary issues={issues} />
        </>
      ) : query.queryType === 'fleet' ? (
        <>
          <HostField {...part} />
          <RateWindowField {...part} />
          <RateScalesField {...part} knownMetrics={choices.metrics} />
          <Stack direction="row" gap={2} wrap="wrap">
            <RangeOptions {...part} />
            <LiveOptions {...part} />
          </Stack>
          <IssueSummary issues={issues} />
        </>
      ) : (
        <>
          {query.queryType === 'raw' ? (
            <RawQueryField {...part} />
          ) : (
            <>
              <VmSelector {...part} choices={choices} />
              {deviceKind && <DeviceSelector {...part} />}
              <MetricPicker
                {...part}
                choices={choices}
                emptyMeans={deviceKind ? DEVICE_KINDS[deviceKind].defaultMetrics.join(', ') : 'the eight usage metrics'}
              />
            </>
          )}
          <AliasField {...part} />
          <OutputsField {...part} />
          {query.outputs.some((o) => o === 'rate' || o === 'per_second') && <RateWindowField {...part} />}
          {(isMetrics || deviceKind) && query.outputs.includes('rate') && (
            <RateScalesField {...part} knownMetrics={choices.metrics} />
          )}
          <Stack direction="row" gap={2} wrap="wrap">
            <RangeOptions {...part} />
            {isMetrics && <LiveOptions {...part} />}
          </Stack>
          <IssueSummary issues={issues} />
        </>
      )}
    </Stack>
  );
}
