// Picks the deployment's provider from its environment: OpenRouter, an OpenAI-compatible server, or offline.
import type { Env } from '../env.ts';
import { llmConfigFromEnv } from './config.ts';
import { createOfflineProvider } from './offline.ts';
import { createOpenAiCompatibleProvider } from './openaiCompatible.ts';
import { createOpenRouterProvider } from './openrouter.ts';
import type { LlmProvider } from './types.ts';

export function createLlmProvider(env: Env): LlmProvider {
  const config = llmConfigFromEnv(env);
  switch (config.provider) {
    case 'openrouter':
      return createOpenRouterProvider({
        apiKey: config.apiKey,
        baseUrl: config.baseUrl,
        siteUrl: env.CLOSER_SITE_URL,
      });
    case 'openai-compatible':
      return createOpenAiCompatibleProvider({
        name: 'openai-compatible',
        baseUrl: config.baseUrl,
        apiKey: config.apiKey,
      });
    case 'offline':
      // CLOSER_OFFLINE_WORD_MS paces the words like a model's tokens (the local stack's demo, browser tests).
      return createOfflineProvider({ wordDelayMs: Number(env.CLOSER_OFFLINE_WORD_MS ?? 0) || 0 });
  }
}
