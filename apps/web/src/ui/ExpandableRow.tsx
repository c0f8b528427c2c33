import { type ReactNode, useState } from 'react';

/** Which one row of a table is expanded (none at first); toggling the open row closes it. */
export function useExpandedRow() {
  const [open, setOpen] = useState<string | null>(null);
  return {
    isOpen: (id: string) => open === id,
    toggle: (id: string) => setOpen(open === id ? null : id),
  };
}

/**
 * A table row (`children`, its cells) ending in a show/hide button for a details row under it that spans
 * `colSpan` columns; `id` is the details row's, named by the button's aria-controls.
 */
export function ExpandableRow({
  id,
  open,
  onToggle,
  show,
  hide,
  colSpan,
  details,
  children,
}: {
  id: string;
  open: boolean;
  onToggle: () => void;
  show: string;
  hide: string;
  colSpan: number;
  details: ReactNode;
  children: ReactNode;
}) {
  return (
    <>
      <tr>
        {children}
        <td>
          <button type="button" aria-expanded={open} aria-controls={id} onClick={onToggle}>
            {open ? hide : show}
          </button>
        </td>
      </tr>
      {open && (
        <tr id={id}>
          <td colSpan={colSpan}>{details}</td>
        </tr>
      )}
    </>
  );
}
