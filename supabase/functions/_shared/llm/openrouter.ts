// OpenRouter: the OpenAI-compatible client with OpenRouter's attribution headers.

import { createOpenAiCompatibleProvider } from './openaiCompatible.ts';
import type { LlmProvider } from './types.ts';

export function createOpenRouterProvider(options: {
  apiKey: string;
  baseUrl: string;
  siteUrl?: string | undefined;
  fetch?: typeof fetch;
}): LlmProvider {
  return createOpenAiCompatibleProvider({
    name: 'openrouter',
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    headers: {
      'HTTP-Referer': options.siteUrl ?? 'https://github.com/closer-ai/closer',
      'X-Title': 'Closer',
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
