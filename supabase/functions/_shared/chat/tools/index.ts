// Every tool the chat model may call. A new skill adds its module here; the engine knows none by name.
import type { LlmTool } from '../../llm/types.ts';
import { bookMeetingTool } from './bookMeeting.ts';
import { captureLeadTool } from './captureLead.ts';
import { findSlotsTool } from './findSlots.ts';
import { recordQualificationTool } from './recordQualification.ts';
import { requestHumanTool } from './requestHuman.ts';
import type { ChatTool, ToolCallContext, ToolOffer, ToolResult } from './types.ts';

export type { ChatTool, ToolCallContext, ToolOffer, ToolResult } from './types.ts';

const CHAT_TOOLS: readonly ChatTool[] = [
  captureLeadTool,
  recordQualificationTool,
  requestHumanTool,
  findSlotsTool,
  bookMeetingTool,
];

/** The tools offered in a turn (an empty list: the model is called without tools). */
export function offeredTools(offer: ToolOffer): ChatTool[] {
  return CHAT_TOOLS.filter((tool) => tool.offered(offer));
}

export const toolDefinitions = (tools: readonly ChatTool[]): LlmTool[] => tools.map((t) => t.definition);

/** Runs one call of the model's; a tool not offered in this turn is answered as unknown. */
export function runToolCall(
  tools: readonly ChatTool[],
  context: ToolCallContext,
  call: { name: string; arguments: string },
): Promise<ToolResult> {
  const tool = tools.find((t) => t.definition.name === call.name);
  if (!tool) return Promise.resolve({ content: `Unknown tool ${call.name}` });
  return tool.run(context, call.arguments);
}
