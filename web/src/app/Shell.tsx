import { NavLink, Outlet, useMatch } from 'react-router';
import { Activity, BarChart3, BookOpen, Inbox, KeyRound, LockKeyhole, LogOut, Send, Workflow, Zap } from 'lucide-react';
import { useSession } from '../auth/session';
import { Logo } from '../ui/Logo';
import './Shell.css';

/**
 * The signed-in frame: the navigation and the page. In the editor the navigation folds to an icon rail, so the canvas
 * keeps its room on a laptop screen beside the node library and the step settings.
 */
export function Shell() {
  const signOut = useSession((s) => s.signOut);
  const compact = useMatch('/workflows/:id') !== null;
  return (
    <div className={compact ? 'shell shell-compact' : 'shell'}>
      <nav className="shell-nav" aria-label="Main">
        <div className="shell-brand">
          <Logo />
          <span className="shell-label">FlowForge</span>
        </div>
        <NavLink to="/workflows" className="shell-link">
          <Workflow size={18} aria-hidden /> <span className="shell-label">Workflows</span>
        </NavLink>
        <NavLink to="/executions" className="shell-link">
          <Activity size={18} aria-hidden /> <span className="shell-label">Executions</span>
        </NavLink>
        <NavLink to="/analytics" className="shell-link">
          <BarChart3 size={18} aria-hidden /> <span className="shell-label">Analytics</span>
        </NavLink>
        <NavLink to="/approvals" className="shell-link">
          <Inbox size={18} aria-hidden /> <span className="shell-label">Approvals</span>
        </NavLink>
        <NavLink to="/triggers" className="shell-link">
          <Zap size={18} aria-hidden /> <span className="shell-label">Triggers</span>
        </NavLink>
        <NavLink to="/outbox" className="shell-link">
          <Send size={18} aria-hidden /> <span className="shell-label">Outbox</span>
        </NavLink>
        <NavLink to="/credentials" className="shell-link">
          <LockKeyhole size={18} aria-hidden /> <span className="shell-label">Credentials</span>
        </NavLink>
        <NavLink to="/keys" className="shell-link">
          <KeyRound size={18} aria-hidden /> <span className="shell-label">API keys</span>
        </NavLink>
        <div className="shell-spacer" />
        <a className="shell-link" href="/docs" target="_blank" rel="noreferrer">
          <BookOpen size={18} aria-hidden /> <span className="shell-label">API reference</span>
        </a>
        <button type="button" className="shell-link" onClick={() => signOut()}>
          <LogOut size={18} aria-hidden /> <span className="shell-label">Sign out</span>
        </button>
      </nav>
      <main className="shell-main">
        <Outlet />
      </main>
    </div>
  );
}
