// Short notices ("Saved", "Key revoked") in a live region; errors stay until dismissed.
import { signal } from '@preact/signals';
import { t } from '../i18n/messages.ts';

interface Notice {
  id: number;
  text: string;
  kind: 'success' | 'error';
}

const notices = signal<Notice[]>([]);
let next = 0;

export function dismiss(id: number) {
  notices.value = notices.value.filter((notice) => notice.id !== id);
}

export function toast(text: string, kind: Notice['kind'] = 'success') {
  const id = ++next;
  notices.value = [...notices.value, { id, text, kind }];
  if (kind === 'success') setTimeout(() => dismiss(id), 4000);
}

export function Toasts() {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {notices.value.map((notice) => (
        <div key={notice.id} class={`toast toast-${notice.kind}`}>
          <span>{notice.text}</span>
          <button
            type="button"
            class="button button-ghost"
            aria-label={t('action.dismiss')}
            onClick={() => dismiss(notice.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
