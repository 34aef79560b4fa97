import type { ReactNode } from 'react';
import { describeError } from '../api/problem';
import { Spinner } from './Spinner';

/** Why a query failed, where its content would be. */
export function LoadError({ error }: { error: unknown }) {
  return (
    <div className="form-error" role="alert">
      {describeError(error)}
    </div>
  );
}

/**
 * What a page shows of one query: a spinner while it loads, the reason when it failed, `empty` when the answer holds
 * nothing (an EmptyState saying what would be here), else `children`, called only once the data is there.
 */
export function QueryState({ pending, error, loadingLabel, empty, children }: {
  pending: boolean;
  error: unknown;
  loadingLabel: string;
  empty?: ReactNode;
  children(): ReactNode;
}) {
  if (pending) return <Spinner label={loadingLabel} block />;
  if (error) return <LoadError error={error} />;
  if (empty) return empty;
  return children();
}
