// The part of a Salesbot request done after the acknowledgement: the talk's conversation, the agent's reply
// through the chat engine (history, retrieval, scripts, objection answers, lead capture as on the widget), and
// the bot continued with it. A model that fails gets the bot a holding message and the talk a flag for a person;
// a talk a person has taken over gets no reply. The continue is sent once: a 429 is retried (nothing happened),
// an expired return_url or a 5xx is recorded, never sent again.
import type { Agent } from '@closer/contract';
import { meterReply } from '../../billing/usage.ts';
import { type ChatTimings, prepareTurn, streamReply } from '../../chat/engine.ts';
import { claimModelReply, type OrgCeilings } from '../../chat/modelCeilings.ts';
import { type TenantClaims, withTenant } from '../../db/tenant.ts';
import type { Database } from '../../db/types.ts';
import type { Env } from '../../env.ts';
import { deploymentDefaults, withDeploymentModel } from '../../llm/agentModel.ts';
import { observeProvider } from '../../llm/observe.ts';
import type { LlmProvider } from '../../llm/types.ts';
import { logFailure } from '../../log.ts';
import { findAgent } from '../../resources/agents.ts';
import { clipText } from '../../text.ts';
import { kommoClient } from '../client.ts';
import type { KommoConfig } from '../config.ts';
import type { SalesbotDelivery } from './receive.ts';
import { type ContinueBody, type ReplyShape, replyContinue, silentContinue } from './replyHandlers.ts';
import { kommoIdOf } from './request.ts';
import { flagForPerson, isPaused, type KommoTalk, openTalk } from './talks.ts';

export interface SalesbotDeps {
  db: Database;
  env: Env;
  config: KommoConfig;
  fetch: typeof fetch;
  provider: LlmProvider;
  timings: ChatTimings;
  orgCeilings: OrgCeilings;
  /** Scales waits inside the Kommo client (tests run it fast). */
  delayScale?: number;
}

/** How a delivery ended, written on its webhook_events row. */
export type SalesbotOutcome =
  | 'answered'
  | 'fallback'
  | 'paused'
  | 'continue_refused'
  | 'continue_uncertain'
  | 'failed';

/** Holding messages when the model fails, in the agent's language (English otherwise). */
const FALLBACK: Record<string, string> = {
  en: 'Thank you for your message! A colleague will answer you shortly.',
  ru: 'Спасибо за сообщение! Скоро вам ответит наш сотрудник.',
  es: '¡Gracias por su mensaje! En breve le responderá un compañero.',
  pt: 'Obrigado pela mensagem! Um colega responderá em breve.',
};

export const fallbackText = (language: string) =>
  FALLBACK[language.slice(0, 2).toLowerCase()] ?? FALLBACK.en!;

/** Answers one accepted delivery and continues the bot. Never throws: the outcome is recorded and logged. */
export async function answerDelivery(
  deps: SalesbotDeps,
  delivery: SalesbotDelivery,
  shape: ReplyShape,
  requestId: string,
): Promise<SalesbotOutcome> {
  const claims: TenantClaims = { role: 'authenticated', org_id: delivery.orgId };
  let outcome: SalesbotOutcome = 'failed';
  let conversationId: string | null = null;
  let error: string | null = null;
  let continued = false;
  try {
    const { talk, agent } = await withTenant(deps.db, claims, async (tx) => ({
      talk: await openTalk(tx, talkOpening(delivery)),
      agent: await findAgent(tx, delivery.agentId),
    }));
    conversationId = talk.conversationId;
    const { body, kind } = await replyFor(deps, claims, delivery, talk, agent, shape, requestId);
    outcome = kind;
    continued = true;
    const sent = await sendContinue(deps, delivery, body, requestId);
    if (sent !== 'sent') outcome = sent;
  } catch (failure) {
    error = clipText(String((failure as Error)?.message ?? failure), 500);
    logFailure(failure, { where: 'kommo salesbot', requestId, eventId: delivery.eventId });
    // The bot must not wait for ever (the database failed, the agent was deleted): a holding message, once.
    if (!continued) {
      const body = replyContinue(fallbackText('en'), { mode: 'auto', maxShows: 9 });
      const sent = await sendContinue(
        deps,
        delivery,
        { ...body, data: { ...body.data, needs_person: 'true' } },
        requestId,
      ).catch(() => 'continue_uncertain' as const);
      if (sent === 'sent') outcome = 'fallback';
    }
  }
  await record(deps.db, claims, delivery.eventId, { outcome, conversationId, error }).catch((failure) =>
    logFailure(failure, { where: 'kommo salesbot record', requestId }),
  );
  return outcome;
}

const talkOpening = (delivery: SalesbotDelivery) => ({
  orgId: delivery.orgId,
  connectionId: delivery.connectionId,
  agentId: delivery.agentId,
  entityType: delivery.token.entityType,
  entityId: delivery.token.entityId,
  talkId: kommoIdOf(delivery.data.talk_id),
  contactId: kommoIdOf(delivery.data.contact_id),
  contactName: delivery.data.contact_name?.trim() || null,
  origin: delivery.data.origin?.trim() || null,
});

async function replyFor(
  deps: SalesbotDeps,
  claims: TenantClaims,
  delivery: SalesbotDelivery,
  talk: KommoTalk,
  agent: Agent,
  shape: ReplyShape,
  requestId: string,
): Promise<{ body: ContinueBody; kind: SalesbotOutcome }> {
  const message = delivery.data.message?.trim() ?? '';
  // A person in Kommo has the talk (humanReplies.ts): the customer's message waits for them.
  const paused = talk.pausedUntil !== null && talk.pausedUntil > new Date();
  if (paused || agent.status !== 'active' || message === '')
    return { body: silentContinue(), kind: 'paused' };
  const reply = await agentReply(deps, claims, talk, agent, message, requestId);
  // A person may have answered in Kommo while the model was busy: their message stands alone.
  if (await withTenant(deps.db, claims, (tx) => isPaused(tx, talk.id)))
    return { body: silentContinue(), kind: 'paused' };
  if (reply !== null) return { body: replyContinue(reply, shape), kind: 'answered' };
  await withTenant(deps.db, claims, (tx) => flagForPerson(tx, talk.id));
  const body = replyContinue(fallbackText(agent.language), { mode: 'auto', maxShows: 9 });
  return { body: { ...body, data: { ...body.data, needs_person: 'true' } }, kind: 'fallback' };
}

/** The engine's reply to `message` in the talk's conversation; null when it failed (logged). */
async function agentReply(
  deps: SalesbotDeps,
  claims: TenantClaims,
  talk: KommoTalk,
  stored: Agent,
  message: string,
  requestId: string,
): Promise<string | null> {
  try {
    const agent = withDeploymentModel(stored, deploymentDefaults(deps.env, requestId), requestId);
    const spend = await claimModelReply(deps.db, claims, agent, deps.orgCeilings);
    // Counted against the plan like any reply; over the allowance: the offline responder, or (unavailable) the
    // holding message below.
    const billed = await meterReply(
      deps,
      claims,
      observeProvider(deps.provider, { requestId, audience: 'organization' }),
    ).catch(spend.giveBack);
    const provider = billed.provider;
    const prepared = await prepareTurn(
      deps.db,
      claims,
      {
        request: { message, conversationId: talk.conversationId },
        visitorToken: undefined,
        requireVisitorToken: false,
        ip: null,
      },
      provider,
      agent,
    )
      .catch(billed.giveBack)
      .catch(spend.giveBack);
    const run = { db: deps.db, claims, provider, timings: deps.timings, requestId, clientAddress: null };
    const outcome = await streamReply(run, prepared, () => {}, new AbortController().signal);
    await spend.settle(outcome.usage);
    if (outcome.error || !outcome.complete || outcome.content.trim() === '') return null;
    return outcome.content;
  } catch (failure) {
    logFailure(failure, { where: 'kommo salesbot reply', requestId });
    return null;
  }
}

/**
 * POSTs the continue once, with the account's token. Kommo's 429 is retried by the client (nothing happened);
 * a 4xx (expired return_url, a bot no longer waiting) is final; a 5xx or no answer may have continued the bot,
 * so it is not sent again — a second continue would repeat the reply in the customer's chat.
 */
async function sendContinue(
  deps: SalesbotDeps,
  delivery: SalesbotDelivery,
  body: ContinueBody,
  requestId: string,
): Promise<'sent' | 'continue_refused' | 'continue_uncertain'> {
  const api = kommoClient({
    db: deps.db,
    orgId: delivery.orgId,
    config: deps.config,
    fetch: deps.fetch,
    delayScale: deps.delayScale,
  });
  try {
    await api.request('POST', delivery.target.path, body);
    return 'sent';
  } catch (failure) {
    const status = (failure as { kommoStatus?: number }).kommoStatus;
    logFailure(failure, {
      level: 'warn',
      where: 'kommo salesbot continue',
      requestId,
      eventId: delivery.eventId,
    });
    return status !== undefined && status < 500 ? 'continue_refused' : 'continue_uncertain';
  }
}

async function record(
  db: Database,
  claims: TenantClaims,
  eventId: string,
  result: { outcome: SalesbotOutcome; conversationId: string | null; error: string | null },
): Promise<void> {
  await withTenant(db, claims, (tx) =>
    tx.query(
      `update public.webhook_events set processed_at = now(), payload = payload || $2::jsonb where id = $1`,
      [eventId, JSON.stringify(result)],
    ),
  );
}
