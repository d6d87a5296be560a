// Loading, empty and error states every page shows the same way, and `useLoad` that gives a page all three.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/messages.ts';
import { errorMessage } from './errors.ts';

export function Loading({ label }: { label?: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {label ?? t('state.loading')}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty">
      <p class="state-title">{title}</p>
      {children}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <p class="state-title">{t('state.error')}</p>
      <p>{errorMessage(error)}</p>
      {onRetry && (
        <button type="button" class="button" onClick={onRetry}>
          {t('action.retry')}
        </button>
      )}
    </div>
  );
}

export type Load<T> =
  | { status: 'loading'; data?: T | undefined }
  | { status: 'ready'; data: T }
  | { status: 'error'; error: unknown; data?: T | undefined };

/**
 * Runs `loader` when `deps` change and on `reload()`; an answer that arrives after a newer request started is
 * dropped. `data` stays while reloading, so a list does not flash empty.
 */
export function useLoad<T>(loader: () => Promise<T>, deps: unknown[]): Load<T> & { reload: () => void } {
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((previous) => ({ status: 'loading', data: previous.data }));
    loader().then(
      (data) => mine === generation.current && setState({ status: 'ready', data }),
      (error: unknown) =>
        mine === generation.current && setState((p) => ({ status: 'error', error, data: p.data })),
    );
  }, deps);
  useEffect(() => {
    run();
    return () => {
      generation.current++;
    };
  }, [run]);
  return { ...state, reload: run };
}

/** Renders loading, error (with retry) or `children(data)`. */
export function Loaded<T>({
  load,
  children,
}: {
  load: Load<T> & { reload: () => void };
  children: (data: T) => ComponentChildren;
}) {
  if (load.data !== undefined) return <>{children(load.data)}</>;
  if (load.status === 'error') return <ErrorState error={load.error} onRetry={load.reload} />;
  return <Loading />;
}
