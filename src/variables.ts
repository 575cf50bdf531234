import { CustomVariableSupport, DataQueryRequest, DataQueryResponse } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { Observable } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import { migrateQuery } from './migration';
import { VmDataSourceApi, VmVariableQuery } from './types';

/**
 * Template variables `vm` and `host`: a `queryType: "variable"` query that the
 * backend answers with one frame of `text`/`value` fields.
 */
export class VmVariableSupport extends CustomVariableSupport<VmDataSourceApi, VmVariableQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: VmDataSourceApi) {
    super();
  }

  query(request: DataQueryRequest<VmVariableQuery>): Observable<DataQueryResponse> {
    const targets = request.targets.map((target) =>
      migrateQuery({
        refId: target.refId,
        queryType: 'variable',
        variable: target.variable === 'host' ? 'host' : 'vm',
        host: getTemplateSrv().replace(target.host ?? '', request.scopedVars),
      })
    );
    return this.datasource.query({ ...request, targets });
  }
}
