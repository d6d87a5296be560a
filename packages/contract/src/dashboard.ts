// Dashboard statistics over a period, in the caller's time zone.
import * as z from 'zod/mini';
import { id, page, timestamp } from './common.ts';

const day = z.iso.date();

const counts = {
  conversations: z.number(),
  visitorMessages: z.number(),
  leads: z.number(),
};

/**
 * Visitors' questions that retrieval found nothing relevant for (no knowledge passage, no objection answer),
 * grouped: questions sharing most of their words of meaning (stemmed in the agent's language) are one gap.
 */
export const knowledgeGap = z.object({
  agentId: id,
  /** The group's most recent question, as the visitor typed it. */
  question: z.string(),
  /** Up to three other wordings from the same group, most recent first. */
  examples: z.array(z.string()),
  /** The stemmed words of meaning the group's questions have in common (at least one). */
  terms: z.array(z.string()),
  /** How many times the group's questions were asked in the period. */
  count: z.number(),
  lastAskedAt: timestamp,
});
export type KnowledgeGap = z.infer<typeof knowledgeGap>;

export const knowledgeGapPage = page(knowledgeGap);

export const dashboard = z.object({
  from: day,
  to: day,
  tz: z.string(),
  totals: z.object({
    ...counts,
    /** leads ÷ conversations, 0 when there were no conversations. */
    conversionRate: z.number(),
    inputTokens: z.number(),
    outputTokens: z.number(),
  }),
  daily: z.array(z.object({ date: day, ...counts })),
  agents: z.array(z.object({ agentId: id, name: z.string(), ...counts, conversionRate: z.number() })),
  topObjections: z.array(z.object({ objectionId: id, objection: z.string(), uses: z.number() })),
  /** Each agent's five most frequent knowledge gaps in the period, most asked first. */
  knowledgeGaps: z.array(knowledgeGap),
  /**
   * Per agent with leads in the period: how many are hot, warm, cold or not scored (see the agent's qualification
   * plan), their average score (null: none scored), and `scoreBuckets`: counts of scores 0–9, 10–19, … 90–100.
   */
  qualification: z._default(
    z.array(
      z.object({
        agentId: id,
        hot: z.number(),
        warm: z.number(),
        cold: z.number(),
        unscored: z.number(),
        averageScore: z.nullable(z.number()),
        scoreBuckets: z.array(z.number()),
      }),
    ),
    [],
  ),
  /** Where the period's leads stand, as the CRM reports them back (Kommo webhooks: won 142, lost 143). */
  leadOutcomes: z.object({ new: z.number(), inProgress: z.number(), won: z.number(), lost: z.number() }),
  /** The CRM connection (`reauth_required` means an admin must connect Kommo again) and the period's leads' sync. */
  crm: z.object({
    status: z.enum(['not_connected', 'connected', 'reauth_required', 'disconnected']),
    lastError: z.nullable(z.string()),
    lastSyncAt: z.nullable(timestamp),
    leads: z.object({ pending: z.number(), synced: z.number(), failed: z.number() }),
  }),
});
export type Dashboard = z.infer<typeof dashboard>;
