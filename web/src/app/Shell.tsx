import { NavLink, Outlet } from 'react-router';
import { Activity, BookOpen, LogOut, Workflow } from 'lucide-react';
import { useSession } from '../auth/session';
import { Logo } from '../ui/Logo';
import './Shell.css';

/** The signed-in frame: a slim navigation rail and the page. The editor fills the page area edge to edge. */
export function Shell() {
  const signOut = useSession((s) => s.signOut);
  return (
    <div className="shell">
      <nav className="shell-nav" aria-label="Main">
        <div className="shell-brand">
          <Logo />
          <span>FlowForge</span>
        </div>
        <NavLink to="/workflows" className="shell-link">
          <Workflow size={18} aria-hidden /> Workflows
        </NavLink>
        <NavLink to="/executions" className="shell-link">
          <Activity size={18} aria-hidden /> Executions
        </NavLink>
        <div className="shell-spacer" />
        <a className="shell-link" href="/docs" target="_blank" rel="noreferrer">
          <BookOpen size={18} aria-hidden /> API reference
        </a>
        <button type="button" className="shell-link" onClick={() => signOut()}>
          <LogOut size={18} aria-hidden /> Sign out
        </button>
      </nav>
      <main className="shell-main">
        <Outlet />
      </main>
    </div>
  );
}
