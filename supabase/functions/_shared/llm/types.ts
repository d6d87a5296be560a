// The one interface every LLM provider implements: a request in, a stream of events out.

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** On an assistant message that called tools. */
  toolCalls?: LlmToolCall[];
  /** On a tool message: which call it answers. */
  toolCallId?: string;
}

export interface LlmToolCall {
  id: string;
  name: string;
  /** JSON text as the model wrote it. */
  arguments: string;
}

export interface LlmTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** What the offline responder answers from; models read the same material inside the prompt. */
export interface Grounding {
  agentName: string;
  language: string;
  knowledge: { title: string; content: string }[];
  objections: { objection: string; answer: string }[];
  script: { stage: string; content: string } | null;
  /** Where the conversation stands (opening, discovery, …), with or without a script for it. */
  stage?: string;
  /** The visitor's latest message. */
  question: string;
  /** The agent's persona: the offline responder reads the speaker's grammatical gender from it (and the name). */
  persona?: string;
  /** The agent's previous reply in this conversation, if any: never repeated verbatim. */
  previousReply?: string;
  /** No reply in this conversation yet: the offline responder says once what it is. Absent: true. */
  firstReply?: boolean;
  /**
   * The visitor asked for a person (`requested`), or the agent's rule did (`rule`: no "of course"): one has been
   * asked to join, or nobody is there now (`teamHours` says when they are) (docs/handoff.md).
   */
  handoff?: 'requested' | 'outside_hours' | 'rule';
  /** The business hours in one line, with `handoff: 'outside_hours'`. */
  teamHours?: string;
  /** The qualification question this reply ends with, instead of the stage's next-step question. */
  qualificationQuestion?: string;
  /** The visitor's message answered the agent's last qualification question: thank, do not search. */
  answeredQualification?: boolean;
}

export interface LlmRequest {
  model: string;
  messages: LlmMessage[];
  temperature: number;
  maxTokens: number;
  tools?: LlmTool[];
  grounding?: Grounding;
}

export type LlmEvent =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; call: LlmToolCall }
  | { type: 'usage'; inputTokens: number; outputTokens: number }
  /** The model is reasoning: nothing to show (reasoning never reaches a visitor), but it is alive. */
  | { type: 'thinking' }
  | { type: 'finish'; reason: string };

export interface LlmProvider {
  readonly name: 'openrouter' | 'openai-compatible' | 'offline';
  /** Streams the reply; aborting `signal` aborts the upstream request. Throws UpstreamError. */
  stream(request: LlmRequest, signal: AbortSignal): AsyncIterable<LlmEvent>;
}
