import { Link } from 'react-router';
import { EmptyState } from '../ui/EmptyState';

export function NotFoundPage() {
  return (
    <EmptyState title="Nothing here" action={<Link className="btn btn-primary" to="/workflows">Go to workflows</Link>}>
      This page does not exist. It may have moved, or the link is mistyped.
    </EmptyState>
  );
}
