// The billing boundary the rest of the server calls: usage counted where it happens (a model reply, stored
// knowledge text) and plan limits enforced with a clear answer. With billing off every function returns at once,
// without a query.
import type { BillingLimit } from '@closer/contract';
import type { TenantClaims } from '../db/tenant.ts';
import { withTenant } from '../db/tenant.ts';
import type { Queryable } from '../db/types.ts';
import type { Env } from '../env.ts';
import { ApiError } from '../http/errors.ts';
import { createOfflineProvider } from '../llm/offline.ts';
import type { LlmProvider } from '../llm/types.ts';
import type { Runtime } from '../runtime.ts';
import { billingEnabled } from './config.ts';
import { currentPlan, type PlanRow } from './plans.ts';

/** The limits a creation can run into (messages are a period's allowance, metered by `meterReply`). */
export type RoomLimit = Exclude<BillingLimit, 'messages'>;

/** What a visitor reads when the organisation's allowance is spent and its plan says `unavailable`. */
export const UNAVAILABLE_TO_VISITORS =
  'Sorry, this assistant cannot answer right now. Please try again later or contact us another way.';

/** UTF-8 bytes of knowledge text, as the knowledge limit counts them. */
export const textBytes = (...parts: string[]): number =>
  parts.reduce((sum, part) => sum + new TextEncoder().encode(part).length, 0);

const nouns: Record<RoomLimit, (n: number) => string> = {
  agents: (n) => `${n} agent${n === 1 ? '' : 's'}`,
  members: (n) => `${n} member${n === 1 ? '' : 's'} (pending invitations included)`,
  knowledgeBytes: (n) => `${n} bytes of knowledge text`,
  kommo: () => 'the Kommo channel',
};

async function usedNow(tx: Queryable, limit: Exclude<RoomLimit, 'kommo'>): Promise<number> {
  const sql = {
    agents: 'select count(*)::bigint as n from public.agents where org_id = public.current_org_id()',
    members: `select (select count(*) from public.organization_members where org_id = public.current_org_id())
       + (select count(*) from public.organization_invitations
          where org_id = public.current_org_id() and accepted_at is null and expires_at > now()) as n`,
    knowledgeBytes: 'select public.billing_knowledge_bytes() as n',
  }[limit];
  const [row] = await tx.query<{ n: string | number }>(sql);
  return Number(row?.n ?? 0);
}

/** Why `adding` more of `limit` does not fit the plan in force, or null when it fits. */
export async function roomRefusal(
  tx: Queryable,
  env: Env,
  limit: RoomLimit,
  adding = 1,
): Promise<string | null> {
  if (!billingEnabled(env)) return null;
  // Creations of one organisation are counted one at a time, so two at once cannot both take the last place.
  await tx.query('select 1 from public.organizations where id = public.current_org_id() for no key update');
  const plan = await currentPlan(tx);
  if (limit === 'kommo') {
    return plan.kommo
      ? null
      : `The ${plan.name} plan does not include the Kommo channel: upgrade to connect Kommo`;
  }
  const allowance = planAllowance(plan, limit);
  if (allowance === null) return null;
  const used = await usedNow(tx, limit);
  if (used + adding <= allowance) return null;
  return `The ${plan.name} plan allows ${nouns[limit](allowance)}; ${used} used: upgrade the plan to add more`;
}

/** Throws 402 `payment_required` naming the limit (details[0].path) when `adding` more does not fit. */
export async function requireRoom(tx: Queryable, env: Env, limit: RoomLimit, adding = 1): Promise<void> {
  const refusal = await roomRefusal(tx, env, limit, adding);
  if (refusal) {
    throw new ApiError('payment_required', refusal, {
      details: [{ path: [limit], message: refusal, code: 'plan_limit' }],
    });
  }
}

export function planAllowance(plan: PlanRow, limit: Exclude<BillingLimit, 'kommo'>): number | null {
  const value = {
    agents: plan.max_agents,
    members: plan.max_members,
    messages: plan.max_messages,
    knowledgeBytes: plan.max_knowledge_bytes,
  }[limit];
  return value === null ? null : Number(value);
}

/** A model reply counted against the plan, and the provider that should give it. */
export interface BilledReply {
  provider: LlmProvider;
  /**
   * For the turn failing before the model is asked (`prepare().catch(billed.giveBack)`): the count is taken back
   * and the failure thrown on, so refused requests never spend the allowance.
   */
  giveBack(failure: unknown): Promise<never>;
}

/**
 * Counts one model reply in the usage ledger and answers with the provider that should give it: the same one
 * within the allowance (or on a usage-based plan), the offline responder over it when the plan says `offline`;
 * over it with `unavailable`, a polite 503 (the admins see the warning in GET /billing/usage).
 */
export async function meterReply(
  runtime: Pick<Runtime, 'db' | 'env'>,
  claims: TenantClaims,
  provider: LlmProvider,
): Promise<BilledReply> {
  if (!billingEnabled(runtime.env)) {
    return { provider, giveBack: (failure) => Promise.reject(failure) };
  }
  const [meter] = await withTenant(runtime.db, claims, (tx) =>
    tx.query<{
      period_start: Date;
      quantity: string | number;
      allowance: number | null;
      over_allowance: string;
    }>('select period_start, quantity, allowance, over_allowance from public.meter_reply()'),
  );
  const giveBack = async (failure: unknown): Promise<never> => {
    await withTenant(runtime.db, claims, (tx) =>
      tx.query('select public.unmeter_reply($1)', [meter?.period_start]),
    ).catch((error) =>
      console.error(
        JSON.stringify({ level: 'error', where: 'billing', message: 'take back', error: String(error) }),
      ),
    );
    throw failure;
  };
  const within = !meter || meter.allowance === null || Number(meter.quantity) <= meter.allowance;
  if (within || meter.over_allowance === 'metered') return { provider, giveBack };
  if (meter.over_allowance === 'offline') {
    const offline = createOfflineProvider({
      wordDelayMs: Number(runtime.env.CLOSER_OFFLINE_WORD_MS ?? 0) || 0,
    });
    return { provider: offline, giveBack };
  }
  // Refused: the reply is not given, so it is not counted either.
  return giveBack(new ApiError('unavailable', UNAVAILABLE_TO_VISITORS));
}
