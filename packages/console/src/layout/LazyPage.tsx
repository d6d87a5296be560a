// Loads a route's page module on first visit (kept afterwards) and shows loading or a retryable error meanwhile.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PageProps, PageRoute } from '../routes.ts';
import { ErrorState, Loading } from '../ui/states.tsx';

const loaded = new Map<PageRoute, ComponentType<PageProps>>();

export function LazyPage({ route, params }: { route: PageRoute; params: PageProps['params'] }) {
  const [Page, setPage] = useState(() => loaded.get(route));
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (loaded.has(route)) return setPage(() => loaded.get(route));
    let live = true;
    route.load().then(
      (module) => {
        loaded.set(route, module.default);
        if (live) setPage(() => module.default);
      },
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, [route, attempt]);
  if (Page) return <Page params={params} />;
  if (error)
    return (
      <ErrorState
        error={error}
        onRetry={() => {
          setError(null);
          setAttempt((n) => n + 1);
        }}
      />
    );
  return <Loading />;
}
