// The deployment's plans as stored (billing_plans) and as the API shows them.
import type { BillingPlan, OverAllowance } from '@closer/contract';
import type { Queryable } from '../db/types.ts';

export interface PlanRow {
  id: string;
  name: string;
  stripe_price_id: string | null;
  meter_event_name: string | null;
  max_agents: number | null;
  max_messages: number | null;
  max_knowledge_bytes: string | number | null;
  max_members: number | null;
  kommo: boolean;
  over_allowance: OverAllowance;
}

const nullableNumber = (value: string | number | null) => (value === null ? null : Number(value));

export function planFromRow(row: PlanRow): BillingPlan {
  return {
    id: row.id,
    name: row.name,
    limits: {
      agents: row.max_agents,
      messages: row.max_messages,
      knowledgeBytes: nullableNumber(row.max_knowledge_bytes),
      members: row.max_members,
      kommo: row.kommo,
    },
    overAllowance: row.over_allowance,
    usageBased: row.meter_event_name !== null,
    purchasable: row.stripe_price_id !== null,
  };
}

/** The plan the caller's organisation is on now (billing_plan(): subscription, grace period, else free). */
export async function currentPlan(tx: Queryable): Promise<PlanRow> {
  const [plan] = await tx.query<PlanRow>('select * from billing.plans where id = public.billing_plan()');
  if (!plan) throw new Error('billing_plans has no free plan: restore it (docs/billing.md)');
  return plan;
}

export function listPlans(tx: Queryable): Promise<PlanRow[]> {
  return tx.query<PlanRow>('select * from billing.plans order by position, id');
}
