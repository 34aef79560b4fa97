import { lazy, Suspense } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { useSession } from '../auth/session';
import { SignInPage } from '../auth/SignInPage';
import { Shell } from './Shell';
import { NotFoundPage } from './NotFoundPage';
import { WorkflowsPage } from '../workflows/WorkflowsPage';
// Not lazy, like the workflows list: a lazy page suspends on its first visit, and React then holds the fallback for at
// least 300 ms (its reveal throttle), more than the whole list takes to show. It adds ~7 KB gzip; its hub client
// (SignalR) still loads later.
import { ExecutionsPage } from '../executions/ExecutionsPage';
import { Toasts } from '../ui/Toasts';
import { ApiError } from '../api/problem';
import { Spinner } from '../ui/Spinner';

// The editor carries React Flow and the canvas: loaded when first opened, so the list shows fast.
const EditorPage = lazy(() => import('../editor/EditorPage').then((m) => ({ default: m.EditorPage })));
const ApprovalsPage = lazy(() => import('../approvals/ApprovalsPage').then((m) => ({ default: m.ApprovalsPage })));
const TriggersPage = lazy(() => import('../triggers/TriggersPage').then((m) => ({ default: m.TriggersPage })));
const OutboxPage = lazy(() => import('../outbox/OutboxPage').then((m) => ({ default: m.OutboxPage })));
const CredentialsPage = lazy(() => import('../settings/CredentialsPage').then((m) => ({ default: m.CredentialsPage })));
const AnalyticsPage = lazy(() => import('../analytics/AnalyticsPage').then((m) => ({ default: m.AnalyticsPage })));
const KeysPage = lazy(() => import('../settings/KeysPage').then((m) => ({ default: m.KeysPage })));
const ExecutionDetailPage = lazy(() => import('../executions/detail/ExecutionDetailPage').then((m) => ({ default: m.ExecutionDetailPage })));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: false,
      // A client error will not get better by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});

function RequireKey({ children }: { children: React.ReactNode }) {
  const apiKey = useSession((s) => s.apiKey);
  const location = useLocation();
  if (!apiKey) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Routes>
          <Route path="/sign-in" element={<SignInPage />} />
          <Route
            element={
              <RequireKey>
                <Shell />
              </RequireKey>
            }
          >
            <Route index element={<Navigate to="/workflows" replace />} />
            <Route path="/workflows" element={<WorkflowsPage />} />
            <Route
              path="/workflows/:id"
              element={
                <Suspense fallback={<Spinner label="Opening the editor" block />}>
                  <EditorPage />
                </Suspense>
              }
            />
            <Route path="/executions" element={<ExecutionsPage />} />
            <Route path="/workflows/:id/executions" element={<ExecutionsPage />} />
            <Route path="/approvals" element={<Suspense fallback={<Spinner label="Loading" block />}><ApprovalsPage /></Suspense>} />
            <Route path="/triggers" element={<Suspense fallback={<Spinner label="Loading" block />}><TriggersPage /></Suspense>} />
            <Route path="/outbox" element={<Suspense fallback={<Spinner label="Loading" block />}><OutboxPage /></Suspense>} />
            <Route path="/credentials" element={<Suspense fallback={<Spinner label="Loading" block />}><CredentialsPage /></Suspense>} />
            <Route path="/keys" element={<Suspense fallback={<Spinner label="Loading" block />}><KeysPage /></Suspense>} />
            <Route
              path="/analytics"
              element={
                <Suspense fallback={<Spinner label="Loading analytics" block />}>
                  <AnalyticsPage />
                </Suspense>
              }
            />
            <Route
              path="/executions/:id"
              element={
                <Suspense fallback={<Spinner label="Opening the execution" block />}>
                  <ExecutionDetailPage />
                </Suspense>
              }
            />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
      <Toasts />
    </QueryClientProvider>
  );
}
