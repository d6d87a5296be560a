// Copies a text to the clipboard and says so.
import { t } from '../i18n/messages.ts';
import { toast } from './Toast.tsx';

export function CopyButton({ text, label }: { text: string; label?: string }) {
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      toast(t('copy.done'));
    } catch {
      toast(t('copy.failed'), 'error');
    }
  };
  return (
    <button type="button" class="button" onClick={copy}>
      {label ?? t('copy.action')}
    </button>
  );
}
