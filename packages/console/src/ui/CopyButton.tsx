// Copies a text to the clipboard and says so.
import { t } from '../i18n/messages.ts';
import { toast } from './Toast.tsx';

/** `autofocus`: focused when its dialog opens (the dialog's main action). */
export function CopyButton({
  text,
  label,
  autofocus,
}: {
  text: string;
  label?: string;
  autofocus?: boolean;
}) {
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      toast(t('copy.done'));
    } catch {
      toast(t('copy.failed'), 'error');
    }
  };
  return (
    <button type="button" class="button" onClick={copy} autofocus={autofocus}>
      {label ?? t('copy.action')}
    </button>
  );
}
