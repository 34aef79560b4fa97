import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { KeyRound } from 'lucide-react';
import { useSession } from './session';
import { Logo } from '../ui/Logo';
import './SignInPage.css';

/**
 * Sign-in with an API key. The key is checked against the API before it is kept, so a wrong or revoked key
 * is said here rather than on the first page.
 */
export function SignInPage() {
  const { apiKey, signedOutReason, signIn } = useSession();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from ?? '/workflows';

  if (apiKey) return <Navigate to={from} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const candidate = key.trim();
    if (!candidate) {
      setError('Paste an API key to sign in.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // A raw fetch: the shared client would treat this 401 as the end of a session that has not begun.
      const response = await fetch('/api/workflows?limit=1', { headers: { 'X-Api-Key': candidate } });
      if (response.status === 401) setError('This API key is not valid: it is mistyped or was revoked.');
      else if (!response.ok) setError(`The server answered ${response.status}. Try again in a moment.`);
      else {
        signIn(candidate);
        navigate(from, { replace: true });
      }
    } catch {
      setError('The server cannot be reached. Is it running?');
    } finally {
      setBusy(false);
    }
  }

  const message = error ?? signedOutReason;
  return (
    <div className="signin">
      <form className="signin-card card" onSubmit={submit} noValidate>
        <div className="signin-brand">
          <Logo size={36} />
          <h1>Sign in to FlowForge</h1>
        </div>
        <p className="muted">
          Use an API key of your organisation. The server prints the first one when it starts on an empty database; more are
          created under API keys.
        </p>
        <label className="field">
          <span className="field-label">API key</span>
          <input
            className="input"
            type="password"
            name="apiKey"
            autoComplete="off"
            autoFocus
            placeholder="ffk_…"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            aria-invalid={message ? true : undefined}
            aria-describedby={message ? 'signin-error' : undefined}
          />
        </label>
        {message && (
          <div id="signin-error" className="signin-error" role="alert">
            {message}
          </div>
        )}
        <button className="btn btn-primary signin-submit" type="submit" disabled={busy}>
          <KeyRound size={16} aria-hidden /> {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p className="signin-foot muted">The key is kept in this tab only and forgotten when it closes.</p>
      </form>
    </div>
  );
}
