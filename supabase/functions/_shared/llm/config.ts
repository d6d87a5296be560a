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
    const baseUrl = url.toString().replace(/\/+$/, '');
    return env.LLM_API_KEY
      ? { provider: 'openai-compatible', baseUrl, apiKey: env.LLM_API_KEY }
      : { provider: 'openai-compatible', baseUrl };
  }
  return { provider: 'offline' };
}

/** A one-line description that never includes a key. */
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
