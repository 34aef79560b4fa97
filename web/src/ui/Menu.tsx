import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import clsx from 'clsx';
import './Menu.css';

export interface MenuItem {
  /** The item's accessible name and text. */
  label: string;
  icon?: ReactNode;
  /** Shown in the danger colour (delete). */
  danger?: boolean;
  onSelect(): void;
}

interface MenuProps {
  /** The trigger button's accessible name, e.g. "Actions for Customer triage". */
  label: string;
  /** The trigger's content (an icon); the label is its name for screen readers. */
  trigger: ReactNode;
  items: MenuItem[];
  className?: string;
}

const width = 180;

/**
 * A menu button (WAI-ARIA menu pattern): the trigger opens a list of actions; arrows, Home and End move between
 * them, Enter picks, Escape or Tab closes. The list is portalled to the body with fixed coordinates, so a
 * scrolling table or a card's rounded clip never cuts it.
 */
export function Menu({ label, trigger, items, className }: MenuProps) {
  const [open, setOpen] = useState(false);
  const [position, setPosition] = useState<{ top?: number; bottom?: number; left: number }>({ left: 0 });
  const triggerRef = useRef<HTMLButtonElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  const close = useCallback((refocus: boolean) => {
    setOpen(false);
    if (refocus) triggerRef.current?.focus();
  }, []);

  useLayoutEffect(() => {
    if (!open || !triggerRef.current) return;
    const rect = triggerRef.current.getBoundingClientRect();
    const height = items.length * 34 + 10;
    const left = Math.max(8, Math.min(rect.right - width, window.innerWidth - width - 8));
    // Opens upwards when there is no room below (the last rows of a long list).
    setPosition(rect.bottom + height + 8 > window.innerHeight ? { bottom: window.innerHeight - rect.top + 4, left } : { top: rect.bottom + 4, left });
    listRef.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, [open, items.length]);

  useEffect(() => {
    if (!open) return;
    const outside = (e: MouseEvent) => {
      const target = e.target as Node;
      if (!listRef.current?.contains(target) && !triggerRef.current?.contains(target)) close(false);
    };
    // The coordinates are fixed: a scroll or resize would leave the menu floating away from its button.
    const dismiss = () => close(false);
    document.addEventListener('mousedown', outside);
    window.addEventListener('resize', dismiss);
    window.addEventListener('scroll', dismiss, true);
    return () => {
      document.removeEventListener('mousedown', outside);
      window.removeEventListener('resize', dismiss);
      window.removeEventListener('scroll', dismiss, true);
    };
  }, [open, close]);

  const onKeyDown = (e: React.KeyboardEvent) => {
    const entries = [...(listRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = entries.indexOf(document.activeElement as HTMLElement);
    const go = (i: number) => entries[(i + entries.length) % entries.length]?.focus();
    if (e.key === 'ArrowDown') go(at + 1);
    else if (e.key === 'ArrowUp') go(at - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(entries.length - 1);
    else if (e.key === 'Escape') close(true);
    else if (e.key === 'Tab') close(false);
    else return;
    if (e.key !== 'Tab') e.preventDefault();
  };

  return (
    <>
      <button
        ref={triggerRef}
        type="button"
        className={clsx('btn btn-ghost btn-sm btn-icon', className)}
        aria-label={label}
        title={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => (open ? close(false) : setOpen(true))}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !open) {
            e.preventDefault();
            setOpen(true);
          }
        }}
      >
        {trigger}
      </button>
      {open &&
        createPortal(
          <div ref={listRef} id={menuId} role="menu" aria-label={label} className="menu" style={{ ...position, width }} onKeyDown={onKeyDown}>
            {items.map((item) => (
              <button
                key={item.label}
                type="button"
                role="menuitem"
                tabIndex={-1}
                className={clsx('menu-item', item.danger && 'menu-item-danger')}
                onClick={() => {
                  close(true);
                  item.onSelect();
                }}
              >
                {item.icon && <span className="menu-icon" aria-hidden>{item.icon}</span>}
                {item.label}
              </button>
            ))}
          </div>,
          document.body,
        )}
    </>
  );
}
