// A secret the server shows only once (a new secret key, a webhook endpoint's signing secret): in a dialog that
// says so, with the Copy button focused, so a keyboard user copies it with one key. Closing it forgets the secret:
// the page never shows it again.
import { CopyButton } from './CopyButton.tsx';
import { Dialog } from './Dialog.tsx';

export function SecretOnce({
  secret,
  title,
  warning,
  storedLabel,
  testId,
  onClose,
}: {
  /** The secret to show; null: the dialog is closed. */
  secret: string | null;
  title: string;
  /** Why it must be copied now. */
  warning: string;
  /** The button that closes it ("I have stored it"). */
  storedLabel: string;
  testId: string;
  onClose: () => void;
}) {
  return (
    <Dialog open={secret !== null} title={title} onClose={onClose}>
      <p>{warning}</p>
      <pre data-testid={testId}>
        <code>{secret}</code>
      </pre>
      <div class="actions">
        <CopyButton text={secret ?? ''} autofocus />
        <button type="button" class="button button-primary" onClick={onClose}>
          {storedLabel}
        </button>
      </div>
    </Dialog>
  );
}
