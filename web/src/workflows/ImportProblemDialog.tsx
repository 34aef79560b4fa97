import { Dialog } from '../ui/Dialog';

export interface ImportProblem {
  fileName: string;
  message: string;
  /** The server's field errors (`{field, message}`), when it refused the workflow. */
  errors: { field: string; message: string }[];
}

/** Why a file was not imported: the file's own problem, or the server's refusal with each field it named. */
export function ImportProblemDialog({ problem, onClose, onChooseAnother }: { problem: ImportProblem | null; onClose(): void; onChooseAnother(): void }) {
  return (
    <Dialog
      open={problem !== null}
      onClose={onClose}
      title="The workflow was not imported"
      description={problem?.fileName}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Close
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => {
              onClose();
              onChooseAnother();
            }}
          >
            Choose another file
          </button>
        </>
      }
    >
      {problem && (
        <div className="import-problem" role="alert">
          <p>{problem.message}</p>
          {problem.errors.length > 0 && (
            <ul className="import-errors">
              {problem.errors.map((e, i) => (
                <li key={i}>
                  {e.field && <code>{e.field}</code>}
                  <span>{e.message}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Dialog>
  );
}
