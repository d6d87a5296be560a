// Replies the server writes itself, without the model: a suggestion's action (meeting times, a booking), the email
// a picked time waited for, and — for the offline responder, which calls no tools — a visitor asking for a
// meeting. Null: the model (or the offline responder) answers as usual.
import type { ChatAction } from '@closer/contract';
import { bookSlot, offerSlots, pendingBooking, type SkillReply } from '../booking/chatSkill.ts';
import { asksForMeeting } from '../llm/offline/meetingRequest.ts';
import type { ToolCallContext } from './tools/types.ts';

export interface ScriptedTurn {
  message: string;
  action: ChatAction | undefined;
  /** The provider's name: `offline` understands a meeting request here. */
  provider: string;
}

export async function scriptedReply(
  context: ToolCallContext,
  turn: ScriptedTurn,
): Promise<SkillReply | null> {
  if (context.agent.bookingConnected !== true) return null;
  if (turn.action?.type === 'find_slots') return offerSlots(context, turn.action.from);
  if (turn.action?.type === 'book_slot') return bookSlot(context, new Date(turn.action.start).toISOString());
  const pending = await pendingBooking(context, turn.message);
  if (pending) return bookSlot(context, pending.start, { email: pending.email });
  if (turn.provider === 'offline' && asksForMeeting(turn.message)) return offerSlots(context);
  return null;
}
