import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { QueryEditorHelp } from './components/QueryEditorHelp';
import { DataSource } from './datasource';
import { VmDataSourceOptions, VmQuery, VmSecureJsonData } from './types';

export const plugin = new DataSourcePlugin<DataSource, VmQuery, VmDataSourceOptions, VmSecureJsonData>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor)
  .setQueryEditorHelp(QueryEditorHelp);
