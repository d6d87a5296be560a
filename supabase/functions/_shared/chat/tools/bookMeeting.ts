// book_meeting: the model books a time find_slots offered; the result holds the confirmation to pass on.
import { instant } from '@closer/contract';
import { bookSlot } from '../../booking/chatSkill.ts';
import { ApiError } from '../../http/errors.ts';
import { clipText } from '../../text.ts';
import { parseToolArguments } from '../leads.ts';
import type { ChatTool } from './types.ts';

/** bookSlot's refusal over a lead limit, for the model to hear (null); anything else rethrown. */
const overLeadLimit = (failure: unknown): null => {
  if (failure instanceof ApiError && failure.code === 'rate_limited') return null;
  throw failure;
};

export const bookMeetingTool: ChatTool = {
  definition: {
    name: 'book_meeting',
    description:
      'Book a meeting at a start time find_slots returned, for the visitor. Needs their email (pass it when they gave it in the chat); without one the visitor is asked for it.',
    parameters: {
      type: 'object',
      properties: {
        start: { type: 'string', description: 'The slot start exactly as find_slots gave it (UTC ISO 8601)' },
        email: { type: 'string', description: "The visitor's email, if they gave it" },
        name: { type: 'string', description: "The visitor's name, if they gave it" },
      },
      required: ['start'],
      additionalProperties: false,
    },
  },
  offered: ({ agent, provider }) => provider !== 'offline' && agent.bookingConnected === true,
  async run(context, argumentsJson) {
    const args = parseToolArguments(argumentsJson) ?? {};
    // An instant on a day that exists: Date.parse reads 2026-02-30 as 2 March, a time nobody offered.
    if (typeof args.start !== 'string' || !instant.safeParse(args.start).success) {
      return {
        content: 'NOT booked: `start` must be one of the times find_slots returned. Call find_slots first.',
      };
    }
    const given = {
      ...(typeof args.email === 'string' && args.email.includes('@') ? { email: args.email.trim() } : {}),
      ...(typeof args.name === 'string' && args.name.trim() ? { name: clipText(args.name.trim(), 200) } : {}),
    };
    const reply = await bookSlot(context, new Date(args.start).toISOString(), given).catch(overLeadLimit);
    if (!reply) {
      return {
        content:
          'NOT booked: too many meetings or contact details were sent from this conversation or address in the last hour. Do not say it was booked; apologise and ask the visitor to try again later.',
      };
    }
    const outcome = reply.booked
      ? 'BOOKED. Confirm it to the visitor with these exact details and links:'
      : 'NOT booked. Tell the visitor:';
    return {
      content: `${outcome}\n${reply.text}`,
      suggestions: reply.suggestions,
      ...(reply.lead ? { lead: reply.lead } : {}),
    };
  },
};
