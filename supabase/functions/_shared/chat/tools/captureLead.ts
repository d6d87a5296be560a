// capture_lead: the model saves the contact details a visitor shared.
import { withTenant } from '../../db/tenant.ts';
import type { PersonAsked } from '../../handoff/request.ts';
import { handoffOnLeadCaptured } from '../../handoff/rules.ts';
import { ApiError } from '../../http/errors.ts';
import { CAPTURE_LEAD_TOOL, captureLeadAnswer, leadFieldsFromToolArguments, upsertLead } from '../leads.ts';
import type { ChatTool } from './types.ts';

export const captureLeadTool: ChatTool = {
  definition: CAPTURE_LEAD_TOOL,
  offered: ({ agent, provider }) => provider !== 'offline' && agent.leadCapture.enabled,
  async run(context, argumentsJson) {
    const { fields, refused } = leadFieldsFromToolArguments(argumentsJson);
    if (!fields) return { content: captureLeadAnswer(null, refused) };
    const { agent, turn } = context;
    let asked: PersonAsked | null = null;
    try {
      const lead = await withTenant(context.db, context.claims, (tx) =>
        upsertLead(tx, {
          orgId: agent.orgId,
          agentId: agent.id,
          conversationId: turn.conversationId,
          fields,
          address: context.clientAddress,
          afterCreated: async (tx) => {
            asked = await handoffOnLeadCaptured(tx, agent, turn.conversationId);
          },
        }),
      );
      context.emit({ type: 'lead', data: { leadId: lead.id, fields } });
      const answer = captureLeadAnswer(fields, refused);
      return { content: asked ? `${answer} ${leadHandoffNote(asked)}` : answer, lead };
    } catch (failure) {
      context.logFailure('capture_lead', failure);
      const why =
        failure instanceof ApiError && failure.code === 'rate_limited'
          ? 'too many contact details were sent from this conversation or address in the last hour'
          : 'a technical problem stopped the details from being saved';
      return {
        content: `NOT saved: ${why}. Do not say they were saved; apologise and ask the visitor to send them again later.`,
      };
    }
  },
};

/** What the model is told when the agent's rule asked for a person once the lead was saved. */
function leadHandoffNote(asked: PersonAsked): string {
  return asked.outcome === 'outside_hours'
    ? `The team is offline now (hours: ${asked.hours}): tell the visitor the team will get back to them.`
    : 'A person from the team has been asked to join this chat: tell the visitor a colleague will answer here.';
}
