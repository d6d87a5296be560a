// The dashboard's qualification figures: per agent, how the period's leads are spread over the bands (hot, warm,
// cold, not scored), their average score, and the scores in ten buckets of 10 points.
import type { Dashboard } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { type DashboardPeriod, IN_PERIOD, OF_AGENT, PERIOD, periodParams } from './period.ts';

export async function qualificationFigures(
  tx: Queryable,
  period: DashboardPeriod,
): Promise<Dashboard['qualification']> {
  const rows = await tx.query<{
    agent_id: string;
    hot: number;
    warm: number;
    cold: number;
    unscored: number;
    average: number | null;
    buckets: number[];
  }>(
    `${PERIOD},
    scored as (
      select l.agent_id, l.qualification ->> 'band' as band, (l.qualification ->> 'score')::int as score
      from public.leads l
      where l.agent_id is not null and ${IN_PERIOD('l.created_at')} and ${OF_AGENT('l.agent_id')})
    select agent_id,
      count(*) filter (where band = 'hot')::int as hot,
      count(*) filter (where band = 'warm')::int as warm,
      count(*) filter (where band = 'cold')::int as cold,
      count(*) filter (where band is null)::int as unscored,
      round(avg(score))::int as average,
      array(select count(s2.score) filter (where least(s2.score / 10, 9) = b)::int
            from generate_series(0, 9) b left join scored s2 on s2.agent_id = scored.agent_id
            group by b order by b) as buckets
    from scored group by agent_id order by agent_id`,
    periodParams(period),
  );
  return rows.map((r) => ({
    agentId: r.agent_id,
    hot: r.hot,
    warm: r.warm,
    cold: r.cold,
    unscored: r.unscored,
    averageScore: r.average === null ? null : Number(r.average),
    scoreBuckets: r.buckets.map(Number),
  }));
}
