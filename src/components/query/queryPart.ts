import { VmQuery } from '../../types';
import { QueryField, ValidationIssue } from '../../validation';

/** What QueryEditor hands each of its parts. */
export interface QueryPartProps {
  query: VmQuery;
  issues: ValidationIssue[];
  /** Applies a change to the query; with `run`, runs it too when it is then valid. */
  onChange: (patch: Partial<VmQuery>, run: boolean) => void;
  /** Runs the query as it stands if it is valid: typed fields run on blur, not per keystroke. */
  onBlur: () => void;
}

/** The Field props that show the problems of one query field beside it. */
export function fieldIssue(issues: ValidationIssue[], field: QueryField): { invalid: boolean; error?: string } {
  const messages = issues.filter((i) => i.field === field).map((i) => i.message);
  return messages.length > 0 ? { invalid: true, error: messages.join(' ') } : { invalid: false };
}
