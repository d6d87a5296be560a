// The quick replies under a reply: what a tool or a scripted reply offered, else the agent's standing ones for the
// conversation's script stage (those that book only when a calendar is connected).
import { type ChatSuggestion, MAX_SUGGESTIONS, type ScriptStage } from '@closer/contract';
import type { ChatAgent } from '../llm/agentModel.ts';

export function replySuggestions(
  agent: ChatAgent,
  stage: ScriptStage,
  offered: ChatSuggestion[],
): ChatSuggestion[] {
  if (offered.length > 0) return offered.slice(0, MAX_SUGGESTIONS);
  const standing = agent.stageSuggestions?.[stage] ?? [];
  return standing
    .filter((s) => s.action !== 'find_slots' || agent.bookingConnected === true)
    .slice(0, MAX_SUGGESTIONS)
    .map((s) => ({
      label: s.label,
      ...(s.message ? { message: s.message } : {}),
      ...(s.action ? { action: { type: s.action } } : {}),
    }));
}
