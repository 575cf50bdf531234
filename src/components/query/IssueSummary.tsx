import React from 'react';
import { Alert } from '@grafana/ui';

import { ValidationIssue } from '../../validation';

/** Every problem of the query in one place, since a query with any does not run. */
export function IssueSummary({ issues }: { issues: ValidationIssue[] }) {
  if (issues.length === 0) {
    return null;
  }
  return (
    <Alert severity="warning" title="This query will not run until it is fixed">
      {issues.map((issue) => (
        <div key={issue.field + issue.message}>{issue.message}</div>
      ))}
    </Alert>
  );
}
