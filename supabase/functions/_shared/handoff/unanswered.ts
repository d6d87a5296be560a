// What a visitor is offered when nobody from the team is there: the lead form, through the quick reply booking
// uses ("Leave my number", action `leave_contact`) (docs/handoff.md#business-hours).
import type { ChatSuggestion } from '@closer/contract';
import { bookingPhrases } from '../booking/phrases.ts';

export function leaveContactSuggestion(language: string): ChatSuggestion {
  const p = bookingPhrases(language);
  return { label: p.leaveNumber, message: p.leaveNumberMessage, action: { type: 'leave_contact' } };
}
