// A page's title (also the document's) and its main actions.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Closer`;
  }, [title]);
  return (
    <div class="page-header">
      <h1>{title}</h1>
      {children && <div class="actions">{children}</div>}
    </div>
  );
}
