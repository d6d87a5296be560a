// `dashboard`: totals, a daily series in the caller's time zone, per-agent figures and the most used objection answers.
import { dashboard, dashboardQuery } from '@closer/contract';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import { dashboardStatistics } from '../_shared/dashboard/statistics.ts';
import { requireKnownTimeZone } from '../_shared/dashboard/timeZone.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { route } from '../_shared/http/route.ts';
import type { Runtime } from '../_shared/runtime.ts';

const MAX_DAYS = 366;

export function createDashboardApp(runtime: Runtime) {
  const app = createFunctionApp('dashboard', runtime);
  app.use('*', authorize(access.staff));

  const readDashboard = route({
    summary: 'Statistics for whole days in a time zone (at most 366 days)',
    query: dashboardQuery,
    responses: { 200: dashboard },
  });
  app.get('/', readDashboard, async (c) => {
    const query = c.req.valid('query');
    const days = (Date.parse(query.to) - Date.parse(query.from)) / 86_400_000 + 1;
    if (days < 1 || days > MAX_DAYS) {
      throw new ApiError('validation_failed', 'The query is not valid', {
        details: [{ path: ['to'], message: `must be on or after "from" and at most ${MAX_DAYS} days later` }],
      });
    }
    return c.json(
      await tenant(c, async (tx) => {
        await requireKnownTimeZone(tx, query.tz);
        return dashboardStatistics(tx, query);
      }),
    );
  });

  return app;
}
