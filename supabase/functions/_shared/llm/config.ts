// Which LLM provider a deployment uses, from its environment: OpenRouter, any OpenAI-compatible server, or offline.
import type { Env } from '../env.ts';

export type LlmProviderConfig =
  | { provider: 'openrouter'; apiKey: string; baseUrl: string }
  | { provider: 'openai-compatible'; baseUrl: string; apiKey?: string }
  | { provider: 'offline' };

export const OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';

/** Throws with a readable message when the configuration cannot work. */
export function llmConfigFromEnv(env: Env): LlmProviderConfig {
  if (env.OPENROUTER_API_KEY) {
    return {
      provider: 'openrouter',
      apiKey: env.OPENROUTER_API_KEY,
      baseUrl: env.OPENROUTER_BASE_URL ?? OPENROUTER_BASE_URL,
    };
  }
  if (env.LLM_BASE_URL) {
    let url: URL;
    try {
      url = new URL(env.LLM_BASE_URL);
    } catch {
      throw new Error(`LLM_BASE_URL is not a URL: ${JSON.stringify(env.LLM_BASE_URL)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error('LLM_BASE_URL must be an http(s) URL');
    }
    const baseUrl = url.toString().replace(/(?<!\/)\/+$/, '');
    return env.LLM_API_KEY
      ? { provider: 'openai-compatible', baseUrl, apiKey: env.LLM_API_KEY }
      : { provider: 'openai-compatible', baseUrl };
  }
  return { provider: 'offline' };
}

/** The model OpenRouter deployments use when neither LLM_MODEL nor the agent names one. */
export const OPENROUTER_DEFAULT_MODEL = 'openai/gpt-4o-mini';

/** The default without LLM_MODEL: OpenRouter's cheap general model; the offline responder's own name. */
const fallbackModel: Record<LlmProviderConfig['provider'], string | null> = {
  openrouter: OPENROUTER_DEFAULT_MODEL,
  'openai-compatible': null,
  offline: 'offline',
};

/** What a deployment sets for every agent that leaves model or context window to it. */
export interface LlmDefaults {
  /**
   * `LLM_MODEL`; without it `openai/gpt-4o-mini` on OpenRouter and `offline` for the offline responder;
   * null (an OpenAI-compatible server without LLM_MODEL): agents must name their model.
   */
  model: string | null;
  /** `LLM_CONTEXT_WINDOW` in tokens; null: the model-name table decides. */
  contextWindow: number | null;
}

/** Throws with a readable message when LLM_CONTEXT_WINDOW is not a whole number of at least 1,024 tokens. */
export function llmDefaultsFromEnv(env: Env): LlmDefaults {
  const provider = llmConfigFromEnv(env).provider;
  const named = env.LLM_MODEL?.trim();
  const model = named || fallbackModel[provider];
  const window = env.LLM_CONTEXT_WINDOW?.trim();
  if (!window) return { model, contextWindow: null };
  const contextWindow = Number(window);
  if (!Number.isInteger(contextWindow) || contextWindow < 1024 || contextWindow > 10_000_000) {
    throw new Error('LLM_CONTEXT_WINDOW must be a whole number of tokens between 1024 and 10000000');
  }
  return { model, contextWindow };
}

/** A one-line description for the server log (it names the server, never a key). */
export function describeLlmConfig(config: LlmProviderConfig): string {
  switch (config.provider) {
    case 'openrouter':
      return `OpenRouter at ${config.baseUrl}`;
    case 'openai-compatible':
      return `OpenAI-compatible server at ${config.baseUrl}${config.apiKey ? ' (with API key)' : ''}`;
    case 'offline':
      return 'offline responder (no OPENROUTER_API_KEY or LLM_BASE_URL set)';
  }
}

/** What the public may know about the provider: its kind, no address. */
export const publicProviderName: Record<LlmProviderConfig['provider'], string> = {
  openrouter: 'OpenRouter',
  'openai-compatible': 'OpenAI-compatible server',
  offline: 'offline responder',
};
