import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client';
import { Spinner } from '../ui/Spinner';

/** The organisation's workflows. (Skeleton: search, create, duplicate, delete, import/export come next.) */
export function WorkflowsPage() {
  const list = useQuery({ queryKey: ['workflows'], queryFn: () => unwrap(api.GET('/api/workflows', { params: { query: { limit: '100' } } })) });
  return (
    <div className="page">
      <div className="page-header">
        <h1>Workflows</h1>
      </div>
      {list.isPending ? (
        <Spinner block />
      ) : (
        <ul>
          {list.data?.workflows.map((w) => (
            <li key={w.id}>
              <Link to={`/workflows/${w.id}`}>{w.name}</Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
