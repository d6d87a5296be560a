// `dashboard`: totals, a daily series in the caller's time zone, per-agent figures, the most used objection answers
// and the questions the knowledge could not answer (knowledge gaps).
import { dashboard, dashboardQuery, knowledgeGapPage, knowledgeGapsQuery } from '@closer/contract';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import { dashboardStatistics } from '../_shared/dashboard/statistics.ts';
import { requireKnownTimeZone } from '../_shared/dashboard/timeZone.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { route } from '../_shared/http/route.ts';
import { knowledgeGaps } from '../_shared/knowledge/gaps.ts';
import type { Runtime } from '../_shared/runtime.ts';

const MAX_DAYS = 366;

/** Whole days, `from` to `to`, at most MAX_DAYS: else 422 on `to`. */
function requirePeriod(query: { from: string; to: string }): void {
  const days = (Date.parse(query.to) - Date.parse(query.from)) / 86_400_000 + 1;
  if (days < 1 || days > MAX_DAYS) {
    throw new ApiError('validation_failed', 'The query is not valid', {
      details: [{ path: ['to'], message: `must be on or after "from" and at most ${MAX_DAYS} days later` }],
    });
  }
}

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
    requirePeriod(query);
    return c.json(
      await tenant(c, async (tx) => {
        await requireKnownTimeZone(tx, query.tz);
        return dashboardStatistics(tx, query);
      }),
    );
  });

  const listKnowledgeGaps = route({
    summary:
      'Questions the knowledge could not answer in a period, grouped by their words of meaning, most asked first',
    query: knowledgeGapsQuery,
    responses: { 200: knowledgeGapPage },
  });
  app.get('/knowledge-gaps', listKnowledgeGaps, async (c) => {
    const query = c.req.valid('query');
    requirePeriod(query);
    return c.json(
      await tenant(c, async (tx) => {
        await requireKnownTimeZone(tx, query.tz);
        return { data: await knowledgeGaps(tx, query, { limit: query.limit }), nextCursor: null };
      }),
    );
  });

  return app;
}
