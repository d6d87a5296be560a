// A list's delete flow, one for every list page: the row's Delete button asks, the dialog confirms, the item is
// deleted, the owner is told and the list reloads; a refused delete is a toast with the server's reason.
import { useState } from 'preact/hooks';
import { t } from '../i18n/messages.ts';
import { ConfirmDialog } from './Dialog.tsx';
import { errorMessage } from './errors.ts';
import { toast } from './Toast.tsx';

export interface DeletionOptions<T> {
  /** The confirmation's title, naming the item ("Delete “Pricing”?"). */
  title: (item: T) => string;
  /** Deletes the item through the API; a rejection is shown as a toast and the list is not reloaded. */
  remove: (item: T) => Promise<unknown>;
  /** Runs after a successful delete: usually the list's `reload`. */
  onDeleted: () => void;
}

/**
 * The state and dialog of deleting one item of a list.
 * @returns `ask(item)` for the row's Delete button, and `dialog`, the confirmation to render once in the page.
 */
export function useDeletion<T>({ title, remove, onDeleted }: DeletionOptions<T>) {
  const [deleting, setDeleting] = useState<T | null>(null);
  const confirm = async (item: T) => {
    setDeleting(null);
    try {
      await remove(item);
      toast(t('knowledge.deleted'));
      onDeleted();
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
  };
  const dialog = (
    <ConfirmDialog
      open={deleting !== null}
      title={deleting === null ? '' : title(deleting)}
      message={t('knowledge.deleteMessage')}
      confirmLabel={t('action.delete')}
      onConfirm={() => deleting !== null && void confirm(deleting)}
      onClose={() => setDeleting(null)}
    />
  );
  return { ask: (item: T) => setDeleting(() => item), dialog };
}
