import { DataSourceInstanceSettings, PluginType } from '@grafana/data';

import { VmDataSourceOptions } from '../types';

/** Settings of a data source instance as Grafana hands them to the plugin. */
export function instanceSettings(jsonData: VmDataSourceOptions = {}): DataSourceInstanceSettings<VmDataSourceOptions> {
  return {
    id: 1,
    uid: 'vmt-test',
    type: 'vmtelemetry-libvirt-datasource',
    name: 'VM Telemetry',
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: {
      id: 'vmtelemetry-libvirt-datasource',
      name: 'VM Telemetry',
      type: PluginType.datasource,
      module: 'public/plugins/vmtelemetry-libvirt-datasource/module.js',
      baseUrl: 'public/plugins/vmtelemetry-libvirt-datasource',
      info: {
        author: { name: 'VM Telemetry' },
        description: '',
        links: [],
        logos: { small: '', large: '' },
        screenshots: [],
        updated: '',
        version: '',
      },
    },
  };
}
