// find_slots: the model asks for free meeting times; the visitor gets them as buttons, the model as text.
import { calendarDate } from '@closer/contract';
import { offerSlots } from '../../booking/chatSkill.ts';
import { parseToolArguments } from '../leads.ts';
import type { ChatTool } from './types.ts';

export const findSlotsTool: ChatTool = {
  definition: {
    name: 'find_slots',
    description:
      "Find up to three free times for a meeting or call with the sales team, in the visitor's time zone. Use it when the visitor wants to book a call, meeting or demo, or asks for another day. The times are shown to the visitor as buttons.",
    parameters: {
      type: 'object',
      properties: {
        from: { type: 'string', description: 'First day to look at, YYYY-MM-DD (default: today)' },
      },
      additionalProperties: false,
    },
  },
  offered: ({ agent, provider }) => provider !== 'offline' && agent.bookingConnected === true,
  async run(context, argumentsJson) {
    const from = parseToolArguments(argumentsJson)?.from;
    const reply = await offerSlots(
      context,
      // A day that exists (not 2026-02-30), as the visitor's own find_slots action is checked; else from today.
      calendarDate.safeParse(from).success ? (from as string) : undefined,
    );
    return {
      content: `${reply.text}\n\n(The visitor sees these as buttons. To book one, call book_meeting with its start: ${reply.suggestions
        .map((s) => s.action?.start)
        .filter(Boolean)
        .join(', ')})`,
      suggestions: reply.suggestions,
    };
  },
};
