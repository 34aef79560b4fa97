import { describe, expect, it } from 'vitest';
import { admitsNewRun, filtersToParams, isFiltered, noFilters, parseFilters, toApiQuery } from './filters';

const parse = (query: string, route?: string) => parseFilters(new URLSearchParams(query), route);

describe('filters in the URL', () => {
  it('reads nothing as no filter', () => {
    expect(parse('')).toEqual(noFilters);
    expect(filtersToParams(noFilters).toString()).toBe('');
  });

  it('round-trips every filter through the query string', () => {
    const f = parse('status=failed,running&workflow=wf_a&range=7d&q=ada');
    expect(f).toEqual({ statuses: ['running', 'failed'], workflowId: 'wf_a', range: '7d', fromDay: null, toDay: null, q: 'ada' });
    expect(parse(filtersToParams(f).toString())).toEqual(f);
  });

  it('accepts statuses repeated or comma-separated, keeps the picker order, drops unknown and duplicate ones', () => {
    expect(parse('status=completed&status=running,bogus,running').statuses).toEqual(['running', 'completed']);
  });

  it('reads a custom range of days and keeps it when only one end is set', () => {
    expect(parse('from=2025-06-01&to=2025-06-03')).toMatchObject({ range: 'custom', fromDay: '2025-06-01', toDay: '2025-06-03' });
    expect(parse('to=2025-06-03')).toMatchObject({ range: 'custom', fromDay: null, toDay: '2025-06-03' });
    expect(parse('from=yesterday')).toMatchObject({ range: null, fromDay: null });
    expect(filtersToParams(parse('from=2025-06-01&to=2025-06-03')).toString()).toBe('from=2025-06-01&to=2025-06-03');
  });

  it('ignores an unknown preset and trims the search', () => {
    expect(parse('range=forever&q=%20%20x%20')).toMatchObject({ range: null, q: 'x' });
  });

  it('takes the workflow from the route and leaves it out of the query there', () => {
    const f = parse('workflow=wf_other&status=failed', 'wf_route');
    expect(f.workflowId).toBe('wf_route');
    expect(filtersToParams(f, true).toString()).toBe('status=failed');
    expect(isFiltered({ ...noFilters, workflowId: 'wf_route' }, true)).toBe(false);
    expect(isFiltered({ ...noFilters, workflowId: 'wf_route' })).toBe(true);
  });
});

describe('the API query', () => {
  const now = new Date('2025-06-10T12:00:00Z');

  it('turns a preset into a from time back from now', () => {
    expect(toApiQuery({ ...noFilters, range: '24h', statuses: ['failed', 'cancelled'], workflowId: 'wf_a', q: 'x' }, now)).toEqual({
      from: '2025-06-09T12:00:00.000Z',
      status: 'failed,cancelled',
      workflowId: 'wf_a',
      q: 'x',
    });
  });

  it('includes the last day of a custom range (to is the next local midnight)', () => {
    const q = toApiQuery({ ...noFilters, range: 'custom', fromDay: '2025-06-01', toDay: '2025-06-03' }, now);
    expect(new Date(q.from as string).getTime()).toBe(new Date(2025, 5, 1).getTime());
    expect(new Date(q.to as string).getTime()).toBe(new Date(2025, 5, 4).getTime());
  });

  it('sends nothing for no filter', () => {
    expect(toApiQuery(noFilters, now)).toEqual({});
  });
});

describe('which new runs join the list live', () => {
  const run = { workflowId: 'wf_a', status: 'running' };

  it('takes any run without filters', () => {
    expect(admitsNewRun(noFilters, run)).toBe(true);
  });

  it('checks status and workflow', () => {
    expect(admitsNewRun({ ...noFilters, statuses: ['failed'] }, run)).toBe(false);
    expect(admitsNewRun({ ...noFilters, statuses: ['failed'] }, { ...run, status: 'failed' })).toBe(true);
    expect(admitsNewRun({ ...noFilters, workflowId: 'wf_b' }, run)).toBe(false);
  });

  it('refuses runs after a custom range that has ended', () => {
    const now = new Date(2025, 5, 10, 12);
    expect(admitsNewRun({ ...noFilters, range: 'custom', toDay: '2025-06-09' }, run, now)).toBe(false);
    expect(admitsNewRun({ ...noFilters, range: 'custom', toDay: '2025-06-10' }, run, now)).toBe(true);
    expect(admitsNewRun({ ...noFilters, range: 'custom', fromDay: '2025-06-01' }, run, now)).toBe(true);
  });
});
