import { useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { FilePlus2, Sparkles } from 'lucide-react';
import clsx from 'clsx';
import { Dialog, FormFooter } from '../ui/Dialog';
import { toast } from '../ui/toast';
import { useAction } from '../ui/useAction';
import { createWorkflow, workflowListKey } from './api';
import { startingGraph, templates, type StartFrom } from './templates';

/** Asks a name, an optional description and how to start, creates the draft and opens it in the editor. */
export function NewWorkflowDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  return open ? <NewWorkflowForm onClose={onClose} /> : null;
}

function NewWorkflowForm({ onClose }: { onClose(): void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [start, setStart] = useState<StartFrom>('blank');
  const [nameError, setNameError] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const ids = { name: useId(), nameHelp: useId(), description: useId() };

  const submit = async () => {
    const trimmed = name.trim();
    if (!trimmed) {
      setNameError('Give the workflow a name.');
      document.getElementById(ids.name)?.focus();
      return;
    }
    await run(async () => {
      const created = await createWorkflow({ name: trimmed, description: description.trim() || null, ...(await startingGraph(start)) });
      await queryClient.invalidateQueries({ queryKey: workflowListKey });
      toast.success(`Created “${created.name}”`);
      onClose();
      navigate(`/workflows/${created.id}`);
    });
  };

  return (
    <Dialog
      open
      onClose={onClose}
      busy={busy}
      title="New workflow"
      description="Name it now; everything else can change later."
      onSubmit={submit}
      footer={<FormFooter onCancel={onClose} submitLabel="Create workflow" busyLabel="Creating…" busy={busy} />}
    >
      <div className="field">
        <label className="field-label" htmlFor={ids.name}>
          Name<span className="required" aria-hidden>*</span>
        </label>
        <input
          id={ids.name}
          className="input"
          value={name}
          data-autofocus
          required
          maxLength={200}
          placeholder="e.g. Refund requests to support"
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? ids.nameHelp : undefined}
          onChange={(e) => {
            setName(e.target.value);
            setNameError(null);
          }}
        />
        {nameError && (
          <span id={ids.nameHelp} className="field-error">
            {nameError}
          </span>
        )}
      </div>
      <div className="field">
        <label className="field-label" htmlFor={ids.description}>
          Description <span className="muted">(optional)</span>
        </label>
        <textarea
          id={ids.description}
          className="textarea"
          rows={2}
          value={description}
          placeholder="What it does, for whoever opens it next"
          onChange={(e) => setDescription(e.target.value)}
        />
      </div>
      <fieldset className="start-options">
        <legend className="field-label">Start from</legend>
        {templates.map((t) => (
          <label key={t.id} className={clsx('start-option', start === t.id && 'start-option-selected')}>
            <input
              type="radio"
              name="start"
              value={t.id}
              checked={start === t.id}
              onChange={() => {
                setStart(t.id);
                if (!name.trim() && t.defaultName) setName(t.defaultName);
              }}
            />
            <span className="start-option-icon" aria-hidden>
              {t.id === 'blank' ? <FilePlus2 size={18} /> : <Sparkles size={18} />}
            </span>
            <span className="start-option-text">
              <span className="start-option-title">{t.title}</span>
              <span className="start-option-summary">{t.summary}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {error && (
        <div className="form-error" role="alert">
          {error}
        </div>
      )}
    </Dialog>
  );
}
