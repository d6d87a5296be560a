// Knowledge gaps: visitors' questions retrieval found nothing relevant for, recorded with the reply and read back
// grouped by their words of meaning, so an owner knows what to add (table: migration 20261201070100).
import type { KnowledgeGap } from '@closer/contract';
import { type DashboardPeriod, IN_PERIOD, OF_AGENT, PERIOD, periodParams } from '../dashboard/period.ts';
import type { Statement } from '../db/pipeline.ts';
import type { Queryable } from '../db/types.ts';
import { iso } from '../resources/time.ts';
import { readIntent } from '../retrieval/intent.ts';

/** Two questions are one gap when they share at least this share of their words of meaning (Jaccard). */
export const SAME_GAP = 0.5;
/** Exact-wording groups read per request before clustering: the most asked first. */
const GROUPS_READ = 2000;

/**
 * Whether a reply's grounding leaves the visitor's question unanswered: no passage and no objection answer, and
 * the message is a question (not a greeting, thanks, or a request for a person).
 */
export function isKnowledgeGap(
  found: { passages: number; objections: number },
  message: { text: string; language: string; agentName: string },
): boolean {
  if (found.passages > 0 || found.objections > 0) return false;
  const intent = readIntent(message.text, message.language, message.agentName);
  return !intent.smallTalkOnly && !intent.contactRequest;
}

/** Records a gap, in the reply's own transaction; a question with no word of meaning is not recorded. */
export function recordGapStatement(gap: {
  orgId: string;
  agentId: string;
  conversationId: string;
  question: string;
  language: string;
}): Statement {
  return {
    text: `insert into public.knowledge_gaps (org_id, agent_id, conversation_id, question, lexemes)
      select $1, $2, $3, left(btrim($4), 4000), lexemes
      from (select public.question_lexemes($5, $4) as lexemes) q
      where cardinality(q.lexemes) > 0`,
    params: [gap.orgId, gap.agentId, gap.conversationId, gap.question, gap.language],
  };
}

interface WordingGroup {
  agent_id: string;
  lexemes: string[];
  count: number;
  last_asked_at: Date | string;
  questions: string[];
}

interface Cluster {
  seed: Set<string>;
  terms: Set<string>;
  groups: WordingGroup[];
}

const jaccard = (a: Set<string>, b: string[]) => {
  const shared = b.filter((t) => a.has(t)).length;
  return shared / (a.size + b.length - shared);
};

/** Greedy clustering, most asked first: a group joins the first cluster it is similar enough to. */
function cluster(groups: WordingGroup[]): Cluster[] {
  const clusters: Cluster[] = [];
  for (const group of groups) {
    const home = clusters.find(
      (c) => jaccard(c.seed, group.lexemes) >= SAME_GAP && group.lexemes.some((t) => c.terms.has(t)),
    );
    if (home) {
      home.groups.push(group);
      home.terms = new Set(group.lexemes.filter((t) => home.terms.has(t)));
    } else {
      clusters.push({ seed: new Set(group.lexemes), terms: new Set(group.lexemes), groups: [group] });
    }
  }
  return clusters;
}

function toGap(c: Cluster): KnowledgeGap {
  const recent = [...c.groups].sort((a, b) => +new Date(b.last_asked_at) - +new Date(a.last_asked_at));
  const wordings = [...new Set(recent.flatMap((g) => g.questions))];
  return {
    agentId: c.groups[0]!.agent_id,
    question: wordings[0] ?? '',
    examples: wordings.slice(1, 4),
    terms: [...c.terms].sort(),
    count: c.groups.reduce((sum, g) => sum + g.count, 0),
    lastAskedAt: iso(recent[0]!.last_asked_at),
  };
}

/**
 * The period's knowledge gaps, grouped, most asked first (then most recent); at most `perAgent` for each agent
 * and `limit` in all.
 */
export async function knowledgeGaps(
  tx: Queryable,
  period: DashboardPeriod,
  options: { limit: number; perAgent?: number },
): Promise<KnowledgeGap[]> {
  const groups = await tx.query<WordingGroup>(
    `${PERIOD}
    select g.agent_id, g.lexemes, count(*)::int as count, max(g.created_at) as last_asked_at,
      (array_agg(g.question order by g.created_at desc))[1:6] as questions
    from public.knowledge_gaps g
    where ${IN_PERIOD('g.created_at')} and ${OF_AGENT('g.agent_id')}
    group by g.agent_id, g.lexemes
    order by count desc, last_asked_at desc, g.agent_id
    limit ${GROUPS_READ}`,
    periodParams(period),
  );
  const byAgent = new Map<string, WordingGroup[]>();
  for (const g of groups) byAgent.set(g.agent_id, [...(byAgent.get(g.agent_id) ?? []), g]);
  const gaps = [...byAgent.values()].flatMap((agentGroups) =>
    cluster(agentGroups)
      .map(toGap)
      .sort((a, b) => b.count - a.count || b.lastAskedAt.localeCompare(a.lastAskedAt))
      .slice(0, options.perAgent ?? options.limit),
  );
  return gaps
    .sort(
      (a, b) =>
        b.count - a.count || b.lastAskedAt.localeCompare(a.lastAskedAt) || a.agentId.localeCompare(b.agentId),
    )
    .slice(0, options.limit);
}
