import './Spinner.css';

/** A busy indicator with a label for screen readers; `block` centres it in the available space. */
export function Spinner({ label = 'Loading', block = false }: { label?: string; block?: boolean }) {
  const spinner = (
    <span className="spinner" role="status">
      <span className="sr-only">{label}</span>
    </span>
  );
  return block ? <div className="spinner-block">{spinner}</div> : spinner;
}
