// Which methods a function app answers on a path: the `Allow` header of a 405, from the app's own routes.

type Routes = readonly { method: string; path: string }[];
interface Compiled {
  size: number;
  routes: { method: string; pattern: RegExp }[];
}

const compiledRoutes = new WeakMap<Routes, Compiled>();

/** `/agents/:id/knowledge` → a RegExp matching the concrete path; `*` matches any rest. */
function pathPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  // Routes match paths exactly (Hono is strict about a trailing slash): `/agents/` is not `/agents`.
  return new RegExp(`^${source}$`);
}

function patterns(routes: Routes) {
  let compiled = compiledRoutes.get(routes);
  if (compiled?.size !== routes.length) {
    // Middleware is registered for every method ('ALL'): only real handlers say a method is supported.
    compiled = {
      size: routes.length,
      routes: routes
        .filter((route) => route.method !== 'ALL')
        .map((route) => ({ method: route.method, pattern: pathPattern(route.path) })),
    };
    compiledRoutes.set(routes, compiled);
  }
  return compiled.routes;
}

/** The methods with a route on `path` (HEAD with GET, OPTIONS for CORS preflights), or [] for an unknown path. */
export function allowedMethods(app: { routes: Routes }, path: string): string[] {
  const methods = new Set(
    patterns(app.routes)
      .filter((route) => route.pattern.test(path))
      .map((route) => route.method),
  );
  if (methods.size === 0) return [];
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  return [...methods].sort();
}
