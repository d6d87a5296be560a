// record_qualification: the model saves what the visitor said about the agent's qualification criteria (budget,
// authority, need, timeline, custom questions); the lead's score follows from the agent's plan.

import { withTenant } from '../../db/tenant.ts';
import type { LlmTool } from '../../llm/types.ts';
import { valueFromTool } from '../../qualification/answers.ts';
import { openCriteria } from '../../qualification/gather.ts';
import { loadPlan } from '../../qualification/plan.ts';
import { loadState, recordQualification } from '../../qualification/record.ts';
import type { AnswerValue } from '../../qualification/scoring.ts';
import { clipText } from '../../text.ts';
import { parseToolArguments } from '../leads.ts';
import type { ChatTool } from './types.ts';

const RECORD_QUALIFICATION_TOOL: LlmTool = {
  name: 'record_qualification',
  description:
    "Record the visitor's answers to the qualification items listed in the instructions, as soon as the visitor " +
    'says them (asked or not). Only pass what the visitor actually said.',
  parameters: {
    type: 'object',
    properties: {
      answers: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            key: { type: 'string', description: 'The item key, e.g. budget' },
            value: {
              type: ['string', 'number', 'boolean'],
              description: 'A number, true/false for yes/no, one of the listed options, or text',
            },
          },
          required: ['key', 'value'],
          additionalProperties: false,
        },
      },
    },
    required: ['answers'],
    additionalProperties: false,
  },
};

/** `{answers:[{key,value}]}`, also `{answers:{key:value}}` or `{key:value}` as some models send it. */
function pairsFrom(json: string): [string, unknown][] | null {
  const raw = parseToolArguments(json);
  if (!raw) return null;
  const answers = raw.answers ?? raw;
  if (Array.isArray(answers)) {
    return answers.flatMap((a) =>
      a && typeof a === 'object' && typeof (a as { key?: unknown }).key === 'string'
        ? [[(a as { key: string }).key, (a as { value?: unknown }).value] as [string, unknown]]
        : [],
    );
  }
  return typeof answers === 'object' && answers !== null ? Object.entries(answers) : null;
}

export const recordQualificationTool: ChatTool = {
  definition: RECORD_QUALIFICATION_TOOL,
  offered: ({ provider, qualification }) => provider !== 'offline' && Boolean(qualification),
  async run(context, argumentsJson) {
    const pairs = pairsFrom(argumentsJson);
    if (!pairs) return { content: 'Nothing recorded: the arguments are not a JSON object with answers.' };
    const { agent, turn } = context;
    try {
      return await withTenant(context.db, context.claims, async (tx) => {
        const plan = await loadPlan(tx, agent.id);
        const state = await loadState(tx, turn.conversationId);
        const kept: Record<string, AnswerValue> = {};
        const refused: string[] = [];
        for (const [key, raw] of pairs.slice(0, 20)) {
          const criterion = plan.criteria.find((c) => c.key === key);
          const value = criterion ? valueFromTool(criterion, raw) : null;
          if (value === null)
            refused.push(
              `${clipText(String(key), 40)} (${criterion ? `not a ${criterion.type} answer` : 'no such item'})`,
            );
          else kept[key] = value;
        }
        const after = await recordQualification(tx, {
          orgId: agent.orgId,
          agentId: agent.id,
          conversationId: turn.conversationId,
          plan,
          state,
          answers: kept,
          source: 'tool',
        });
        const open = openCriteria(plan, after).map((c) => c.key);
        return {
          content: [
            Object.keys(kept).length ? `Recorded: ${Object.keys(kept).join(', ')}.` : 'Nothing recorded.',
            refused.length ? `Refused: ${refused.join('; ')}.` : '',
            open.length
              ? `Still open: ${open.join(', ')} (at most one question per reply).`
              : 'Every item is answered.',
            'Do not mention scores to the visitor.',
          ]
            .filter(Boolean)
            .join(' '),
        };
      });
    } catch (failure) {
      context.logFailure('record_qualification', failure);
      return { content: 'NOT recorded: a technical problem stopped it. Carry on with the conversation.' };
    }
  },
};
