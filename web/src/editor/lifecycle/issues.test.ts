import { describe, expect, it } from 'vitest';
import { groupIssues, issueSummary } from './issues';
import type { ValidationIssue } from '../model';

const issue = (stepId: string | null, message: string, code = 'x'): ValidationIssue => ({ stepId, nodeId: stepId, field: null, message, code });

describe('groupIssues', () => {
  it('lists errors before warnings, workflow-wide issues first, then steps in canvas order', () => {
    const groups = groupIssues(
      {
        valid: false,
        errors: [issue('reply', 'reply: missing to'), issue(null, 'no trigger'), issue('sentiment', 'sentiment: unreachable'), issue('reply', 'reply: missing body')],
        warnings: [issue('reply', 'unknown variable'), issue(null, 'workflow warning')],
      },
      ['sentiment', 'reply'],
    );
    expect(groups.map((g) => g.severity)).toEqual(['error', 'warning']);
    expect(groups[0].rows.map((r) => r.message)).toEqual(['no trigger', 'sentiment: unreachable', 'reply: missing to', 'reply: missing body']);
    expect(groups[0].rows[0].step).toBeNull();
    expect(groups[1].rows.map((r) => r.message)).toEqual(['workflow warning', 'unknown variable']);
    expect(groups[1].rows.every((r) => r.severity === 'warning')).toBe(true);
  });

  it('puts issues of steps no longer on the canvas after the others, and leaves out empty groups', () => {
    const groups = groupIssues({ valid: false, errors: [issue('gone', 'old'), issue('a', 'current')], warnings: [] }, ['a']);
    expect(groups).toHaveLength(1);
    expect(groups[0].rows.map((r) => r.step)).toEqual(['a', 'gone']);
  });

  it('falls back to nodeId when stepId is missing', () => {
    const groups = groupIssues({ valid: false, errors: [{ stepId: null, nodeId: 'n1', field: 'to', message: 'm', code: 'c' }], warnings: [] });
    expect(groups[0].rows[0].step).toBe('n1');
  });
});

describe('issueSummary', () => {
  it('counts errors and warnings, or says the workflow is valid', () => {
    expect(issueSummary({ valid: false, errors: [issue(null, 'a'), issue(null, 'b')], warnings: [issue(null, 'c')] })).toBe('2 errors · 1 warning');
    expect(issueSummary({ valid: true, errors: [], warnings: [] })).toBe('Valid: no problems found');
    expect(issueSummary({ valid: true, errors: [], warnings: [issue(null, 'c'), issue(null, 'd')] })).toBe('Valid, with 2 warnings');
  });
});
