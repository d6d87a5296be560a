// An agent's qualification plan in Postgres (one row per agent; none: the default, switched off).
import {
  type QualificationPlan,
  type QualificationPlanInput,
  qualificationPlan,
  qualificationPlanInput,
} from '@closer/contract';
import type { Statement } from '../db/pipeline.ts';
import type { Queryable } from '../db/types.ts';
import { agentRefColumn } from '../resources/agents.ts';

export const DEFAULT_PLAN: QualificationPlan = qualificationPlan.parse(
  qualificationPlanInput.parse({}),
) as QualificationPlan;

/** The stored plan with today's defaults filled in; a plan stored by an older version never breaks a chat. */
export function planFromStored(stored: unknown): QualificationPlan {
  const parsed = qualificationPlanInput.safeParse(stored ?? {});
  return parsed.success ? (parsed.data as QualificationPlan) : DEFAULT_PLAN;
}

export async function loadPlan(tx: Queryable, agentId: string): Promise<QualificationPlan> {
  const [row] = await tx.query<{ plan: unknown }>(
    'select plan from public.qualification_plans where agent_id = $1',
    [agentId],
  );
  return planFromStored(row?.plan);
}

/** The plan of the agent `ref` names (id or slug), as a statement to be sent with the agent's own read. */
export function planByAgentRefStatement(ref: string): Statement {
  return {
    text: `select q.plan from public.agents a join public.qualification_plans q on q.agent_id = a.id
     where a.${agentRefColumn(ref)} = $1`,
    params: [ref],
  };
}

export async function savePlan(
  tx: Queryable,
  agent: { id: string; orgId: string },
  input: QualificationPlanInput,
): Promise<QualificationPlan> {
  const plan = qualificationPlanInput.parse(input) as QualificationPlan;
  await tx.query(
    `insert into public.qualification_plans (agent_id, org_id, plan) values ($1, $2, $3::jsonb)
     on conflict (agent_id) do update set plan = excluded.plan`,
    [agent.id, agent.orgId, JSON.stringify(plan)],
  );
  return plan;
}
