import React, { ChangeEvent, useEffect, useMemo } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import {
  Alert,
  Checkbox,
  Field,
  InlineField,
  InlineSwitch,
  Input,
  MultiSelect,
  RadioButtonGroup,
  Stack,
  TextArea,
} from '@grafana/ui';

import type { DataSource } from '../datasource';
import { migrateQuery } from '../migration';
import {
  Aggregation,
  MetricInfo,
  Output,
  QueryType,
  SCHEMA_VERSION,
  VmDataSourceOptions,
  VmMode,
  VmQuery,
} from '../types';
import { QueryField, validateQuery, ValidationIssue } from '../validation';
import { useChoices } from './useChoices';

type Props = QueryEditorProps<DataSource, VmQuery, VmDataSourceOptions>;

const QUERY_TYPES: Array<SelectableValue<QueryType>> = [
  { label: 'Metrics', value: 'metrics' },
  { label: 'Raw InfluxQL', value: 'raw' },
];

const VM_MODES: Array<SelectableValue<VmMode>> = [
  { label: 'All VMs', value: 'all' },
  { label: 'List', value: 'list' },
  { label: 'Regex', value: 'regex' },
];

const OUTPUTS: Array<{ value: Output; label: string }> = [
  { value: 'value', label: 'Value' },
  { value: 'rate', label: 'Rate (degrees)' },
  { value: 'per_second', label: 'Per second (byte counters)' },
];

const AGGREGATIONS: Array<SelectableValue<Aggregation>> = ['mean', 'last', 'max', 'min'].map((a) => ({
  label: a,
  value: a as Aggregation,
}));

function issueFor(issues: ValidationIssue[], field: QueryField): string | undefined {
  const messages = issues.filter((i) => i.field === field).map((i) => i.message);
  return messages.length > 0 ? messages.join(' ') : undefined;
}

/**
 * Editor of a panel query (docs/PLUGIN-API.md). A query saved by an older
 * plugin version is migrated when it opens; problems are shown beside their
 * field and the query is run only when there are none.
 */
export function QueryEditor({ query: stored, onChange, onRunQuery, datasource }: Props) {
  const query = useMemo(() => migrateQuery(stored), [stored]);
  const choices = useChoices(datasource, query.host);
  const issues = useMemo(
    () =>
      validateQuery(
        query,
        choices.metrics.map((m) => m.name)
      ),
    [query, choices.metrics]
  );

  useEffect(() => {
    if (stored.schemaVersion !== SCHEMA_VERSION) {
      onChange(query);
    }
  }, [stored.schemaVersion, query, onChange]);

  const update = (patch: Partial<VmQuery>, run: boolean) => {
    const next = { ...query, ...patch };
    onChange(next);
    if (
      run &&
      validateQuery(
        next,
        choices.metrics.map((m) => m.name)
      ).length === 0
    ) {
      onRunQuery();
    }
  };
  const runIfValid = () => {
    if (issues.length === 0) {
      onRunQuery();
    }
  };
  const metricOptions = choices.metrics.map((m) => ({ label: m.name, value: m.name, description: m.unit || m.kind }));

  return (
    <Stack direction="column" gap={1}>
      <RadioButtonGroup
        options={QUERY_TYPES}
        value={query.queryType}
        onChange={(queryType) => update({ queryType }, true)}
      />
      {query.queryType === 'raw' ? (
        <Field
          label="InfluxQL"
          description="SELECT only. $timeFilter and $__interval are filled in by the backend; template variables are escaped."
          invalid={Boolean(issueFor(issues, 'rawQuery'))}
          error={issueFor(issues, 'rawQuery')}
        >
          <TextArea
            aria-label="Raw InfluxQL"
            rows={4}
            value={query.rawQuery}
            placeholder='SELECT mean("cpu_usage_percent") FROM "vm_telemetry" WHERE $timeFilter GROUP BY time($__interval), "vm"'
            onChange={(event: ChangeEvent<HTMLTextAreaElement>) => update({ rawQuery: event.target.value }, false)}
            onBlur={runIfValid}
          />
        </Field>
      ) : (
        <>
          <Field label="VMs">
            <RadioButtonGroup options={VM_MODES} value={query.vmMode} onChange={(vmMode) => update({ vmMode }, true)} />
          </Field>
          {query.vmMode === 'list' && (
            <Field
              label="VM names"
              description={choices.vmsError ? `Could not list VMs: ${choices.vmsError}` : undefined}
              invalid={Boolean(issueFor(issues, 'vms'))}
              error={issueFor(issues, 'vms')}
            >
              <MultiSelect
                aria-label="VM names"
                inputId="query-vms"
                options={choices.vms}
                value={query.vms}
                isLoading={choices.loading}
                allowCustomValue
                placeholder="Pick VMs or a $variable"
                onChange={(selected: Array<SelectableValue<string>>) =>
                  update({ vms: selected.map((s) => s.value!).filter(Boolean) }, true)
                }
              />
            </Field>
          )}
          {query.vmMode === 'regex' && (
            <Field
              label="VM regex"
              description="RE2, matched against the vm tag; $variables are regex-escaped"
              invalid={Boolean(issueFor(issues, 'vmRegex'))}
              error={issueFor(issues, 'vmRegex')}
            >
              <Input
                aria-label="VM regex"
                value={query.vmRegex}
                placeholder="^web-.*$"
                onChange={(event: ChangeEvent<HTMLInputElement>) => update({ vmRegex: event.target.value }, false)}
                onBlur={runIfValid}
              />
            </Field>
          )}
          <Field label="Host" description="Optional: only VMs of this host">
            <Input
              aria-label="Host"
              width={30}
              value={query.host}
              onChange={(event: ChangeEvent<HTMLInputElement>) => update({ host: event.target.value }, false)}
              onBlur={runIfValid}
            />
          </Field>
          <Field
            label="Metrics"
            description={
              choices.metricsError
                ? `Metrics resource unavailable (${choices.metricsError}); built-in list shown`
                : 'Empty: the eight usage metrics'
            }
            invalid={Boolean(issueFor(issues, 'metrics'))}
            error={issueFor(issues, 'metrics')}
          >
            <MultiSelect
              aria-label="Metric names"
              inputId="query-metrics"
              options={metricOptions}
              value={query.metrics}
              allowCustomValue
              onChange={(selected: Array<SelectableValue<string>>) =>
                update({ metrics: selected.map((s) => s.value!).filter(Boolean) }, true)
              }
            />
          </Field>
        </>
      )}

      <Field label="Outputs" invalid={Boolean(issueFor(issues, 'outputs'))} error={issueFor(issues, 'outputs')}>
        <OutputChoices outputs={query.outputs} onChange={(outputs) => update({ outputs }, true)} />
      </Field>

      {query.queryType === 'metrics' && query.outputs.includes('rate') && (
        <Field
          label="Rate scale per metric"
          description="The rate formula divides by this first; empty = the metric's default"
          invalid={Boolean(issueFor(issues, 'rateScales'))}
          error={issueFor(issues, 'rateScales')}
        >
          <RateScales
            metrics={query.metrics}
            rateScales={query.rateScales}
            knownMetrics={choices.metrics}
            onChange={(rateScales) => update({ rateScales }, false)}
            onBlur={runIfValid}
          />
        </Field>
      )}

      <Stack direction="row" gap={2} wrap="wrap">
        <Field
          label="Gap limit (s)"
          description="0 = automatic"
          invalid={Boolean(issueFor(issues, 'gapLimitSeconds'))}
          error={issueFor(issues, 'gapLimitSeconds')}
        >
          <Input
            aria-label="Gap limit"
            type="number"
            width={12}
            value={query.gapLimitSeconds}
            onChange={(event: ChangeEvent<HTMLInputElement>) =>
              update({ gapLimitSeconds: event.target.value === '' ? 0 : Number(event.target.value) }, false)
            }
            onBlur={runIfValid}
          />
        </Field>
        {query.queryType === 'metrics' && (
          <Field label="Aggregation" description="When the range has more points than the panel shows">
            <RadioButtonGroup
              options={AGGREGATIONS}
              value={query.aggregation}
              onChange={(aggregation) => update({ aggregation }, true)}
            />
          </Field>
        )}
        {query.queryType === 'metrics' && (
          <Field label="Live" description="Stream the newest sample every interval">
            <InlineSwitch
              aria-label="Live"
              value={query.live}
              onChange={(event: React.SyntheticEvent<HTMLInputElement>) =>
                update({ live: event.currentTarget.checked }, true)
              }
            />
          </Field>
        )}
        {query.queryType === 'metrics' && query.live && (
          <Field
            label="Live interval (ms)"
            description="0 = the data source's default"
            invalid={Boolean(issueFor(issues, 'liveIntervalMs'))}
            error={issueFor(issues, 'liveIntervalMs')}
          >
            <Input
              aria-label="Live interval"
              type="number"
              width={12}
              value={query.liveIntervalMs}
              onChange={(event: ChangeEvent<HTMLInputElement>) =>
                update({ liveIntervalMs: event.target.value === '' ? 0 : Number(event.target.value) }, false)
              }
              onBlur={runIfValid}
            />
          </Field>
        )}
      </Stack>
      {issues.length > 0 && (
        <Alert severity="warning" title="This query will not run until it is fixed">
          {issues.map((issue) => (
            <div key={issue.field + issue.message}>{issue.message}</div>
          ))}
        </Alert>
      )}
    </Stack>
  );
}

/** The output checkboxes, in the fixed order of OUTPUTS. */
function OutputChoices({ outputs, onChange }: { outputs: Output[]; onChange: (outputs: Output[]) => void }) {
  return (
    <Stack direction="row" gap={2}>
      {OUTPUTS.map((output) => (
        <Checkbox
          key={output.value}
          label={output.label}
          value={outputs.includes(output.value)}
          onChange={(event: React.SyntheticEvent<HTMLInputElement>) =>
            onChange(
              event.currentTarget.checked
                ? OUTPUTS.map((o) => o.value).filter((o) => o === output.value || outputs.includes(o))
                : outputs.filter((o) => o !== output.value)
            )
          }
        />
      ))}
    </Stack>
  );
}

interface RateScalesProps {
  metrics: string[];
  rateScales: Record<string, number>;
  knownMetrics: MetricInfo[];
  onChange: (rateScales: Record<string, number>) => void;
  onBlur: () => void;
}

/** One scale input per selected metric; empty means the metric's default scale. */
function RateScales({ metrics, rateScales, knownMetrics, onChange, onBlur }: RateScalesProps) {
  return (
    <Stack direction="row" wrap="wrap" gap={0}>
      {metrics.map((metric) => (
        <InlineField key={metric} label={metric} labelWidth={26}>
          <Input
            aria-label={`Rate scale of ${metric}`}
            type="number"
            width={14}
            value={rateScales[metric] ?? ''}
            placeholder={String(knownMetrics.find((m) => m.name === metric)?.defaultScale ?? 1)}
            onChange={(event: ChangeEvent<HTMLInputElement>) => {
              const { [metric]: _, ...others } = rateScales;
              const text = event.target.value;
              onChange(text === '' ? others : { ...others, [metric]: Number(text) });
            }}
            onBlur={onBlur}
          />
        </InlineField>
      ))}
    </Stack>
  );
}
