// Ceilings on model spend: replies and tokens per hour and per day, for each agent (its `rateLimits`) and for
// each organisation (a deployment setting). A reply is claimed before its turn is prepared, in a short
// transaction of its own, so nothing is stored or sent to the model when a ceiling is reached.
import { type Agent, agentRateLimits } from '@closer/contract';
import type { Statement } from '../db/pipeline.ts';
import type { TenantClaims } from '../db/tenant.ts';
import { type TenantTransaction, withTenantAtOnce } from '../db/tenant.ts';
import type { Database, Row } from '../db/types.ts';
import type { Env } from '../env.ts';
import { agentRefColumn } from '../resources/agents.ts';
import {
  addTokensStatement,
  type Ceiling,
  type CountedWindow,
  countUsageStatement,
  refusedBy,
  takeBackStatement,
} from './usageCounters.ts';

/** What one organisation may spend, whichever agents it runs; the same for every organisation of a deployment. */
export interface OrgCeilings {
  repliesPerHour: number;
  repliesPerDay: number;
  tokensPerHour: number;
  tokensPerDay: number;
}

const ORG_DEFAULTS: OrgCeilings = {
  repliesPerHour: 10_000,
  repliesPerDay: 100_000,
  tokensPerHour: 20_000_000,
  tokensPerDay: 200_000_000,
};

const ORG_SETTINGS: Record<keyof OrgCeilings, string> = {
  repliesPerHour: 'CLOSER_ORG_REPLIES_PER_HOUR',
  repliesPerDay: 'CLOSER_ORG_REPLIES_PER_DAY',
  tokensPerHour: 'CLOSER_ORG_TOKENS_PER_HOUR',
  tokensPerDay: 'CLOSER_ORG_TOKENS_PER_DAY',
};

/** Reads `CLOSER_ORG_*` (positive integers); a missing or invalid value keeps the default (and is logged). */
export function orgCeilingsFromEnv(env: Env): OrgCeilings {
  const ceilings = { ...ORG_DEFAULTS };
  for (const [key, name] of Object.entries(ORG_SETTINGS) as [keyof OrgCeilings, string][]) {
    const text = env[name]?.trim();
    if (!text) continue;
    const value = Number(text);
    if (Number.isSafeInteger(value) && value > 0) ceilings[key] = value;
    else
      console.error(
        JSON.stringify({ level: 'warn', where: 'model ceilings', message: `${name} "${text}" ignored` }),
      );
  }
  return ceilings;
}

function ceilingsFor(agent: Agent, org: OrgCeilings): Ceiling[] {
  const own = agent.rateLimits;
  const period = { hour: 'this hour', day: 'today' } as const;
  const forAgent = (window: 'hour' | 'day', maxHits: number, maxTokens: number): Ceiling => ({
    bucket: `replies:agent:${agent.id}`,
    window,
    maxHits,
    maxTokens,
    refusal: (wait) =>
      `${agent.name} has reached its reply limit for ${period[window]} (at most ${maxHits} replies, ${maxTokens} tokens). Try again in ${wait} s.`,
  });
  const forOrg = (window: 'hour' | 'day', maxHits: number, maxTokens: number): Ceiling => ({
    bucket: `replies:org:${agent.orgId}`,
    window,
    maxHits,
    maxTokens,
    refusal: (wait) =>
      `This organisation has reached its reply limit for ${period[window]} (at most ${maxHits} replies, ${maxTokens} tokens). Try again in ${wait} s.`,
  });
  return [
    forAgent('hour', own.repliesPerHour, own.tokensPerHour),
    forAgent('day', own.repliesPerDay, own.tokensPerDay),
    forOrg('hour', org.repliesPerHour, org.tokensPerHour),
    forOrg('day', org.repliesPerDay, org.tokensPerDay),
  ];
}

/** A model reply counted against the ceilings. Neither method throws: a failure is logged. */
export interface ModelReplyClaim {
  /**
   * For the turn's preparation failing (`prepare().catch(claim.giveBack)`): the reply was never given, so its
   * count is taken back; the failure is thrown on.
   */
  giveBack(failure: unknown): Promise<never>;
  /** Adds the tokens the reply used (input + output) once it is over. */
  settle(usage: { inputTokens: number; outputTokens: number }): Promise<void>;
  /**
   * settle's transaction, for a caller that sends it together with its own (withTenantsAtOnce); null when there is
   * nothing to add. Its failure is the caller's to log.
   */
  settlement(usage: { inputTokens: number; outputTokens: number }): TenantTransaction | null;
}

/**
 * Counter-only transactions do not wait for the disk at commit, and are sent whole (withTenantAtOnce), so the hot
 * agent and organisation rows are locked for as short a time as possible; a crash loses at most a moment of
 * counts, never a message or a lead.
 */
async function counting(db: Database, claims: TenantClaims, statement: Statement | null): Promise<Row[]> {
  if (!statement) return [];
  const [, rows] = await withTenantAtOnce(db, claims, countingTransaction(claims, statement).statements);
  return rows ?? [];
}

const countingTransaction = (claims: TenantClaims, statement: Statement): TenantTransaction => ({
  claims,
  statements: [{ text: 'set local synchronous_commit to off' }, statement],
});

/** Input and output tokens as one count: non-negative whole numbers, at most 10,000,000 each. */
const tokensOf = (usage: { inputTokens: number; outputTokens: number }) =>
  [usage.inputTokens, usage.outputTokens]
    .map((n) => (Number.isFinite(n) && n > 0 ? Math.min(Math.round(n), 10_000_000) : 0))
    .reduce((a, b) => a + b, 0);

const logFailure = (what: string) => (error: unknown) =>
  console.error(
    JSON.stringify({ level: 'error', where: 'model ceilings', message: what, error: String(error) }),
  );

/** Counts one reply for the agent and its organisation; 429 `rate_limited` with Retry-After when over. */
export async function claimModelReply(
  db: Database,
  claims: TenantClaims,
  agent: Agent,
  org: OrgCeilings,
): Promise<ModelReplyClaim> {
  const ceilings = ceilingsFor(agent, org);
  const windows = (await counting(db, claims, countUsageStatement(agent.orgId, ceilings)).catch(
    refusedBy(ceilings),
  )) as unknown as CountedWindow[];
  return claimOf(db, claims, windows);
}

/** The claim of a reply counted in `windows` (none: nothing was counted, nothing to give back or add to). */
export function claimOf(db: Database, claims: TenantClaims, windows: CountedWindow[]): ModelReplyClaim {
  return {
    async giveBack(failure) {
      await counting(db, claims, takeBackStatement(windows)).catch(logFailure('take back'));
      throw failure;
    },
    async settle(usage) {
      await counting(db, claims, addTokensStatement(windows, tokensOf(usage))).catch(
        logFailure('add tokens'),
      );
    },
    settlement(usage) {
      const statement = addTokensStatement(windows, tokensOf(usage));
      return statement ? countingTransaction(claims, statement) : null;
    },
  };
}

const RATE_LIMIT_DEFAULTS = agentRateLimits.parse({});

/**
 * claimModelReply's count for the agent a reference names (id or slug), to be sent before the agent is read —
 * with its read, in one round trip (withTenantsAtOnce). The agent's ceilings come from its row (the contract's
 * defaults for what the row leaves out), in the order ceilingsFor gives them, so `refusedBy(ceilingsFor(agent,
 * org))` reads its refusal; nothing is counted unless the agent exists, is visible and is active. Answers the
 * counted windows.
 */
export function countReplyByAgentRef(claims: TenantClaims, ref: string, org: OrgCeilings): TenantTransaction {
  const own = (key: keyof typeof RATE_LIMIT_DEFAULTS, param: number) =>
    `coalesce((a.rate_limits ->> '${key}')::bigint, $${param}::bigint)`;
  const statement: Statement = {
    text: `select u.counted_window as bucket, u.window_epoch as start
      from public.agents a
      cross join lateral public.count_usage(a.org_id,
        array['replies:agent:' || a.id || '/hour', 'replies:agent:' || a.id || '/day',
          'replies:org:' || a.org_id || '/hour', 'replies:org:' || a.org_id || '/day'],
        array['hour', 'day', 'hour', 'day'],
        array[${own('repliesPerHour', 2)}, ${own('repliesPerDay', 3)}, $4::bigint, $5::bigint],
        array[${own('tokensPerHour', 6)}, ${own('tokensPerDay', 7)}, $8::bigint, $9::bigint]) as u
      where a.${agentRefColumn(ref)} = $1 and a.status = 'active'`,
    params: [
      ref,
      RATE_LIMIT_DEFAULTS.repliesPerHour,
      RATE_LIMIT_DEFAULTS.repliesPerDay,
      org.repliesPerHour,
      org.repliesPerDay,
      RATE_LIMIT_DEFAULTS.tokensPerHour,
      RATE_LIMIT_DEFAULTS.tokensPerDay,
      org.tokensPerHour,
      org.tokensPerDay,
    ],
  };
  return countingTransaction(claims, statement);
}

/**
 * The claim of countReplyByAgentRef's answer, once the agent is known: its failure over a ceiling is the 429 of
 * claimModelReply.
 */
export async function claimCounted(
  db: Database,
  claims: TenantClaims,
  agent: Agent,
  org: OrgCeilings,
  counted: Promise<Row[][]>,
): Promise<ModelReplyClaim> {
  const [, windows] = await counted.catch(refusedBy(ceilingsFor(agent, org)));
  return claimOf(db, claims, (windows ?? []) as unknown as CountedWindow[]);
}
