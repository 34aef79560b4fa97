import { useEffect, useState } from 'react';
import { Check, Copy } from 'lucide-react';
import { toast } from './toast';

/** Copies `value` to the clipboard; the icon turns into a tick for a moment. `label` names what is copied ("Copy webhook URL"). */
export function CopyButton({ value, label, text }: { value: string; label: string; text?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(t);
  }, [copied]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      // Without clipboard permission (an http page in some browsers) the value is still selectable on screen.
      toast.error('The clipboard is not available here: select the text and copy it.');
    }
  };
  return (
    <button type="button" className={text ? 'btn btn-sm' : 'btn btn-sm btn-icon btn-ghost'} onClick={copy} aria-label={label} title={label}>
      {copied ? <Check size={14} aria-hidden /> : <Copy size={14} aria-hidden />}
      {text && <span>{copied ? 'Copied' : text}</span>}
    </button>
  );
}
