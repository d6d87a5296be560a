// The model and context window an agent chats with: its own, else the deployment's (LLM_MODEL,
// LLM_CONTEXT_WINDOW), else, for the window only, the table of known model names.
import type { Agent, QualificationPlan } from '@closer/contract';
import type { Env } from '../env.ts';
import { ApiError } from '../http/errors.ts';
import { logFailure } from '../log.ts';
import { contextWindow as knownContextWindow } from '../prompt/tokens.ts';
import { type LlmDefaults, llmDefaultsFromEnv } from './config.ts';

/** An agent with its model settled: what the chat engine and prompt assembly work with. */
export type ChatAgent = Omit<Agent, 'model' | 'contextWindow'> & {
  model: string;
  /** Tokens the prompt plus the reply may use. */
  contextWindow: number;
  /** The organisation has a booking provider connected (read with the agent for a chat turn). */
  bookingConnected?: boolean;
  /** The agent's qualification plan, when read with the agent (absent: the turn reads it). */
  qualificationPlan?: QualificationPlan;
};

/** Settles model and window; null model with no deployment default throws 503 `unavailable`. */
export function withDeploymentModel(agent: Agent, defaults: LlmDefaults, requestId?: string): ChatAgent {
  const model = agent.model ?? defaults.model;
  if (!model) {
    logFailure(new Error('no model: the agent names none and LLM_MODEL is not set'), {
      where: 'llm',
      requestId,
      agentId: agent.id,
    });
    throw new ApiError('unavailable', 'This agent has no language model configured');
  }
  return {
    ...agent,
    model,
    contextWindow: agent.contextWindow ?? defaults.contextWindow ?? knownContextWindow(model),
  };
}

/** The deployment's defaults for a request; a broken setting is logged and answered 503 without its text. */
export function deploymentDefaults(env: Env, requestId?: string): LlmDefaults {
  try {
    return llmDefaultsFromEnv(env);
  } catch (error) {
    logFailure(error, { where: 'llm configuration', requestId });
    throw new ApiError('unavailable', 'The language model is not configured correctly');
  }
}
