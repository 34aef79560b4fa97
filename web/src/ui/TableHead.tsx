/** A column: its header text, and a class when the column is aligned or sized apart (numbers right-aligned). */
export type Column = string | { label: string; className: string };

/**
 * The header row of a `.data-table`: one column header per entry, then, with `actions`, a last column whose
 * header only screen readers hear ("Actions"), over the row buttons.
 */
export function TableHead({ columns, actions = false }: { columns: readonly Column[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          typeof c === 'string' ? (
            <th scope="col" key={c}>
              {c}
            </th>
          ) : (
            <th scope="col" key={c.label} className={c.className}>
              {c.label}
            </th>
          ),
        )}
        {actions && (
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
