import { useMemo } from 'react';
import { AlertTriangle, CircleCheck, CircleX, Workflow, X } from 'lucide-react';
import { useNodeTypes } from '../../catalog/nodeTypes';
import { useEditor } from '../store';
import { groupIssues, issueSummary, type IssueRow } from './issues';

/** The validation result: workflow-wide issues first, then each step's, errors before warnings; a step's issue focuses it. */
export function IssuesPanel() {
  const validation = useEditor((s) => s.validation);
  const nodes = useEditor((s) => s.nodes);
  const catalog = useNodeTypes().data;
  const order = useMemo(() => nodes.map((n) => n.id), [nodes]);
  const typeOf = useMemo(() => new Map(nodes.map((n) => [n.id, n.data.type])), [nodes]);
  const close = () => useEditor.getState().setPanel('none');

  const groups = validation ? groupIssues(validation, order) : [];
  const tone = !validation ? 'muted' : !validation.valid ? 'danger' : validation.warnings.length ? 'warning' : 'success';

  return (
    <div className="drawer">
      <div className="drawer-header">
        <h2 className="drawer-title">Validation</h2>
        {validation && <span className={`issues-summary tone-${tone}`}>{issueSummary(validation)}</span>}
        <span className="grow" />
        <button type="button" className="btn btn-ghost btn-sm btn-icon tip" data-tip="Close (Esc)" aria-label="Close the panel" onClick={close}>
          <X size={16} />
        </button>
      </div>
      <div className="drawer-body issues-body" onKeyDown={(e) => e.key === 'Escape' && close()}>
        {!validation && (
          <div className="drawer-empty">
            <p>The draft changed since it was last checked. Validate again to see its issues.</p>
          </div>
        )}
        {validation?.valid && validation.warnings.length === 0 && (
          <div className="drawer-empty valid">
            <CircleCheck size={28} aria-hidden />
            <p>
              <strong>The workflow is valid.</strong> Every step is connected and configured; it is ready to publish.
            </p>
          </div>
        )}
        {groups.map((group) => (
          <div key={group.severity} className="issue-group">
            <h3 className="issue-group-title">
              {group.severity === 'error' ? 'Errors' : 'Warnings'} <span className="muted">{group.rows.length}</span>
            </h3>
            <ul className="issue-list">
              {group.rows.map((row, i) => (
                <li key={i}>
                  <IssueItem row={row} typeName={row.step ? catalog?.find(typeOf.get(row.step) ?? '')?.displayName : undefined} />
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>
    </div>
  );
}

function IssueItem({ row, typeName }: { row: IssueRow; typeName?: string }) {
  const exists = useEditor((s) => (row.step ? s.nodes.some((n) => n.id === row.step) : false));
  const icon = row.severity === 'error' ? <CircleX size={16} className="issue-icon-error" aria-label="Error" /> : <AlertTriangle size={16} className="issue-icon-warning" aria-label="Warning" />;
  const content = (
    <>
      {icon}
      <span className="issue-where">
        {row.step ? (
          <>
            <span className="issue-step">{row.step}</span>
            {typeName && <span className="issue-type">{typeName}</span>}
          </>
        ) : (
          <span className="issue-step issue-workflow">
            <Workflow size={13} aria-hidden /> Workflow
          </span>
        )}
      </span>
      <span className="issue-message">
        {row.field && <code className="issue-field">{row.field}</code>}
        {row.message}
      </span>
    </>
  );
  if (row.step && exists) {
    return (
      <button type="button" className="issue-row" onClick={() => useEditor.getState().focusNode(row.step!)} title="Show this step on the canvas">
        {content}
      </button>
    );
  }
  return <div className="issue-row">{content}</div>;
}
