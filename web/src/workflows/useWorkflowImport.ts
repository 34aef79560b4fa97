import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, describeError } from '../api/problem';
import { toast } from '../ui/toast';
import { createWorkflow, workflowListKey } from './api';
import { ImportFileError, parseWorkflowFile } from './transfer';
import type { ImportProblem } from './ImportProblemDialog';

/** A file picked or dropped: parsed, created as a new draft and opened in the editor; or the reason it was not. */
export function useWorkflowImport() {
  const [importing, setImporting] = useState(false);
  const [problem, setProblem] = useState<ImportProblem | null>(null);
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const importFile = async (file: File) => {
    setImporting(true);
    try {
      const body = parseWorkflowFile(await file.text(), file.name);
      const created = await createWorkflow(body);
      await queryClient.invalidateQueries({ queryKey: workflowListKey });
      toast.success(`Imported “${created.name}”`);
      navigate(`/workflows/${created.id}`);
    } catch (e) {
      const errors = fieldErrors(e);
      // With field errors the detail only repeats them: a lead-in line, then the list.
      const message = e instanceof ImportFileError ? e.message : errors.length > 0 ? 'The server refused the workflow in this file. Correct these fields and import it again:' : describeError(e);
      setProblem({ fileName: file.name, message, errors });
    } finally {
      setImporting(false);
    }
  };

  return { importFile, importing, problem, clearProblem: () => setProblem(null) };
}

/** The `errors` of an invalid-body problem: `[{field, message}]`; anything else shows as its detail alone. */
export function fieldErrors(error: unknown): { field: string; message: string }[] {
  if (!(error instanceof ApiError) || !Array.isArray(error.problem.errors)) return [];
  return error.problem.errors.flatMap((e: unknown) =>
    typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
      ? [{ field: String((e as { field?: unknown }).field ?? ''), message: (e as { message: string }).message }]
      : [],
  );
}
