// What a tool the model may call needs from the engine, and what it gives back.
import type { ChatEvent, ChatSuggestion, Lead } from '@closer/contract';
import type { TenantClaims } from '../../db/tenant.ts';
import type { Database } from '../../db/types.ts';
import type { Env } from '../../env.ts';
import type { ChatAgent } from '../../llm/agentModel.ts';
import type { LlmTool } from '../../llm/types.ts';
import type { TurnQualification } from '../../qualification/gather.ts';
import type { OpenedTurn } from '../turn.ts';

/** The turn a tool call belongs to. */
export interface ToolCallContext {
  db: Database;
  claims: TenantClaims;
  agent: ChatAgent;
  turn: OpenedTurn;
  /** The client's address bucket (null: unknown), for per-address limits. */
  clientAddress: string | null;
  /** The visitor's IANA time zone from the chat request (null: not sent). */
  timeZone: string | null;
  /** The deployment's settings (e.g. CLOSER_ENCRYPTION_KEY for the booking provider's key). */
  env: Env;
  /** Sends a stream event to the client (e.g. `lead`). */
  emit: (event: ChatEvent) => void;
  /** Logs a failure with the request id; the tool then tells the model the truth. */
  logFailure: (what: string, failure: unknown) => void;
}

/** What the model is told, and what the turn learnt. */
export interface ToolResult {
  /** The tool message the model reads next: the truth, a failure included. */
  content: string;
  /** A lead saved or updated by the call. */
  lead?: Lead;
  /** Quick replies for the visitor (a `suggestions` event after the reply). */
  suggestions?: ChatSuggestion[];
}

/** Whether a tool is offered is decided per turn, before the model is called. */
export interface ToolOffer {
  agent: ChatAgent;
  /** The provider's name: `offline` calls no tools. */
  provider: string;
  /** The agent's qualification this turn (null or absent: its plan is off). */
  qualification?: TurnQualification | null;
}

/** A tool the model may call during a reply. `run` never throws: a failure becomes the result's content. */
export interface ChatTool {
  definition: LlmTool;
  offered(offer: ToolOffer): boolean;
  run(context: ToolCallContext, argumentsJson: string): Promise<ToolResult>;
}
