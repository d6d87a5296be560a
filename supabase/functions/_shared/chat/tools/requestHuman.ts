// request_human: the model hands the conversation to a person when the visitor asks for one (docs/handoff.md).
import { askForPersonIn, type PersonAsked } from '../../handoff/request.ts';
import { leaveContactSuggestion } from '../../handoff/unanswered.ts';
import { parseToolArguments } from '../leads.ts';
import type { ChatTool } from './types.ts';

export const requestHumanTool: ChatTool = {
  definition: {
    name: 'request_human',
    description:
      'Hand the conversation to a person from the team when the visitor asks for a human, or needs what only a person can do. After calling it, tell the visitor briefly that a colleague will answer in this chat.',
    parameters: {
      type: 'object',
      properties: {
        reason: { type: 'string', description: 'Why a person is needed, in one short sentence' },
      },
      additionalProperties: false,
    },
  },
  offered: ({ agent, provider }) => provider !== 'offline' && agent.handoff.enabled,
  async run(context, argumentsJson) {
    const given = parseToolArguments(argumentsJson)?.reason;
    const reason =
      typeof given === 'string' && given.trim() ? given.trim() : 'the visitor asked for a person';
    const { agent, turn } = context;
    try {
      const asked = await askForPersonIn(
        context.db,
        context.claims,
        {
          orgId: agent.orgId,
          agentId: agent.id,
          conversationId: turn.conversationId,
          reason,
          by: 'model',
        },
        agent.handoff,
      );
      return asked.outcome === 'outside_hours'
        ? { content: toolAnswer(asked), suggestions: [leaveContactSuggestion(agent.language)] }
        : { content: toolAnswer(asked) };
    } catch (failure) {
      context.logFailure('request_human', failure);
      return {
        content:
          'NOT done: a technical problem stopped the request for a person. Do not say a person is coming; offer to take their name and phone number instead.',
      };
    }
  },
};

/** What the model is told, so that it never promises a person who is not coming. */
function toolAnswer(asked: PersonAsked): string {
  if (asked.outcome === 'asked')
    return 'Done: a person from the team has been asked to join this chat. Tell the visitor briefly that a colleague will answer here; do not answer further questions yourself.';
  if (asked.outcome === 'already')
    return 'A person has already been asked for and will answer in this chat. Tell the visitor so, briefly.';
  return `NOT now: the team is offline (hours: ${asked.hours}). Tell the visitor plainly that the team is offline now, give these hours, and ask them to leave their name and phone number in the form below so the team gets back to them.`;
}
