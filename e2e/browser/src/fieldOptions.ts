// The standard field options Grafana registers at start-up (core's
// getAllStandardFieldConfigs), with the processors @grafana/data exports,
// shared by the pages of this harness; a panel page adds the options of its own panel type.
import {
  displayNameOverrideProcessor,
  FieldConfigOptionsRegistry,
  type FieldConfigPropertyItem,
  identityOverrideProcessor,
  numberOverrideProcessor,
  stringOverrideProcessor,
  thresholdsOverrideProcessor,
  unitOverrideProcessor,
  valueMappingsOverrideProcessor,
} from '@grafana/data';

export function standardOption(
  id: string,
  process: FieldConfigPropertyItem['process'],
  settings: object = {}
): FieldConfigPropertyItem {
  return {
    id,
    path: id,
    name: id,
    process,
    settings,
    shouldApply: () => true,
    override: () => null,
    editor: () => null,
  } as unknown as FieldConfigPropertyItem;
}

export function standardOptions(extra: FieldConfigPropertyItem[] = []): FieldConfigOptionsRegistry {
  return new FieldConfigOptionsRegistry(() => [
    standardOption('displayName', displayNameOverrideProcessor),
    standardOption('unit', unitOverrideProcessor),
    standardOption('decimals', numberOverrideProcessor, { integer: true, min: 0, max: 15 }),
    standardOption('min', numberOverrideProcessor),
    standardOption('max', numberOverrideProcessor),
    standardOption('noValue', stringOverrideProcessor),
    standardOption('thresholds', thresholdsOverrideProcessor),
    standardOption('mappings', valueMappingsOverrideProcessor),
    standardOption('color', identityOverrideProcessor),
    ...extra,
  ]);
}
