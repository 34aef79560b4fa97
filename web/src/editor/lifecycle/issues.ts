import type { ValidationIssue, ValidationResult } from '../model';

export type Severity = 'error' | 'warning';

export interface IssueRow extends ValidationIssue {
  severity: Severity;
  /** The step the issue is pinned to (null: about the whole workflow). */
  step: string | null;
}

export interface IssueGroup {
  severity: Severity;
  rows: IssueRow[];
}

/**
 * The issues panel's list: errors, then warnings; within each, the issues about the whole workflow (no trigger, no
 * steps) first, then the steps' in the order the canvas lists them (`stepOrder`, e.g. node order), issues of one step
 * together. Empty groups are left out.
 */
export function groupIssues(result: ValidationResult, stepOrder: readonly string[] = []): IssueGroup[] {
  const rank = new Map(stepOrder.map((id, i) => [id, i]));
  const rows = (list: ValidationIssue[], severity: Severity): IssueRow[] =>
    list
      .map((issue, index) => ({ issue: { ...issue, severity, step: issue.stepId ?? issue.nodeId ?? null }, index }))
      .sort((a, b) => key(a.issue.step) - key(b.issue.step) || a.index - b.index)
      .map((x) => x.issue);
  const key = (step: string | null) => (step === null ? -1 : (rank.get(step) ?? stepOrder.length));
  const groups: IssueGroup[] = [
    { severity: 'error', rows: rows(result.errors, 'error') },
    { severity: 'warning', rows: rows(result.warnings, 'warning') },
  ];
  return groups.filter((g) => g.rows.length > 0);
}

/** The panel's one-line summary: "2 errors · 1 warning", or that the workflow is valid. */
export function issueSummary(result: ValidationResult): string {
  const parts: string[] = [];
  if (result.errors.length) parts.push(`${result.errors.length} error${result.errors.length === 1 ? '' : 's'}`);
  if (result.warnings.length) parts.push(`${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'}`);
  if (result.valid) return parts.length ? `Valid, with ${parts.join(' and ')}` : 'Valid: no problems found';
  return parts.join(' · ') || 'Not valid';
}
