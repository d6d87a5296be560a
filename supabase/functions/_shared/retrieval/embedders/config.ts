// Which embedder a deployment uses, from its environment. Without one, retrieval is lexical only.
import type { Env } from '../../env.ts';
import { OPENROUTER_BASE_URL } from '../../llm/config.ts';
import type { Embedder } from './embedder.ts';
import { HashedNgramEmbedder } from './hashedNgrams.ts';
import { createOpenAiCompatibleEmbedder } from './openaiCompatible.ts';
import { createSupabaseAiEmbedder, supabaseAiGlobal } from './supabaseAi.ts';

/** How the embedding worker and the chat use the embedder. */
export interface EmbeddingSettings {
  /** Texts per request to the embedder (`EMBEDDING_BATCH_SIZE`). @default 64 */
  batchSize: number;
  /** Per batch request of the worker, ms (`EMBEDDING_TIMEOUT_MS`). @default 15000 */
  timeoutMs: number;
  /** What a chat turn waits for its question's embedding before going on lexically, ms
   * (`EMBEDDING_QUERY_TIMEOUT_MS`). @default 1500 */
  queryTimeoutMs: number;
}

const whole = (env: Env, name: string, fallback: number, min: number, max: number): number => {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number between ${min} and ${max}`);
  }
  return value;
};

export function embeddingSettingsFromEnv(env: Env): EmbeddingSettings {
  return {
    batchSize: whole(env, 'EMBEDDING_BATCH_SIZE', 64, 1, 2048),
    timeoutMs: whole(env, 'EMBEDDING_TIMEOUT_MS', 15_000, 100, 600_000),
    queryTimeoutMs: whole(env, 'EMBEDDING_QUERY_TIMEOUT_MS', 1500, 50, 60_000),
  };
}

function minSimilarity(env: Env, fallback: number): number {
  const raw = env.EMBEDDING_MIN_SIMILARITY?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < -1 || value > 1) {
    throw new Error('EMBEDDING_MIN_SIMILARITY must be a number between -1 and 1');
  }
  return value;
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${name} must be an http(s) URL`);
  return url.toString().replace(/(?<!\/)\/+$/, '');
}

const PROVIDERS = ['openai-compatible', 'openrouter', 'supabase', 'hashed', 'none'] as const;

/**
 * The deployment's embedder, or null for lexical-only retrieval. `EMBEDDING_PROVIDER` picks one explicitly;
 * without it: `EMBEDDING_BASE_URL` + `EMBEDDING_MODEL` → that server; `EMBEDDING_MODEL` with
 * `OPENROUTER_API_KEY` → OpenRouter; on Supabase's edge runtime → its built-in gte-small; else none.
 * Throws with a readable message when the configuration cannot work. `scope` is where `Supabase` is looked for.
 */
export function embedderFromEnv(
  env: Env,
  options: { fetch?: typeof fetch; scope?: object } = {},
): Embedder | null {
  const named = env.EMBEDDING_PROVIDER?.trim().toLowerCase();
  if (named && !(PROVIDERS as readonly string[]).includes(named)) {
    throw new Error(`EMBEDDING_PROVIDER must be one of ${PROVIDERS.join(', ')}`);
  }
  const model = env.EMBEDDING_MODEL?.trim();
  const dimensions = env.EMBEDDING_DIMENSIONS?.trim()
    ? whole(env, 'EMBEDDING_DIMENSIONS', 0, 1, 16_000)
    : undefined;
  const timeoutMs = embeddingSettingsFromEnv(env).timeoutMs;
  const remote = (provider: 'openai-compatible' | 'openrouter', baseUrl: string, apiKey?: string) => {
    if (!model) throw new Error('EMBEDDING_MODEL names the embedding model to ask for');
    return createOpenAiCompatibleEmbedder({
      provider,
      baseUrl,
      model,
      ...(apiKey ? { apiKey } : {}),
      ...(dimensions ? { dimensions } : {}),
      minSimilarity: minSimilarity(env, 0.3),
      timeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  };
  const supabase = () => {
    const runtime = supabaseAiGlobal(options.scope);
    if (!runtime) throw new Error('EMBEDDING_PROVIDER=supabase works only on Supabase’s edge runtime');
    return createSupabaseAiEmbedder(runtime, minSimilarity(env, 0.8));
  };
  const baseUrl = env.EMBEDDING_BASE_URL?.trim();
  const apiKey = env.EMBEDDING_API_KEY?.trim() || undefined;
  switch (named) {
    case 'none':
      return null;
    case 'hashed':
      return new HashedNgramEmbedder({
        ...(dimensions ? { dimensions } : {}),
        minSimilarity: minSimilarity(env, 0.35),
      });
    case 'supabase':
      return supabase();
    case 'openrouter':
      return remote(
        'openrouter',
        httpUrl('EMBEDDING_BASE_URL', baseUrl || OPENROUTER_BASE_URL),
        apiKey ?? env.OPENROUTER_API_KEY,
      );
    case 'openai-compatible':
      if (!baseUrl) throw new Error('EMBEDDING_BASE_URL names the embeddings server (…/v1)');
      return remote('openai-compatible', httpUrl('EMBEDDING_BASE_URL', baseUrl), apiKey);
  }
  if (baseUrl) return remote('openai-compatible', httpUrl('EMBEDDING_BASE_URL', baseUrl), apiKey);
  if (model && env.OPENROUTER_API_KEY) {
    return remote('openrouter', OPENROUTER_BASE_URL, apiKey ?? env.OPENROUTER_API_KEY);
  }
  if (model)
    throw new Error('EMBEDDING_MODEL is set but no EMBEDDING_BASE_URL or OPENROUTER_API_KEY says where');
  return supabaseAiGlobal(options.scope) ? supabase() : null;
}

/** What the public may know about an embedder: its kind and model, no address. */
export function describeEmbedder(embedder: Embedder | null): string {
  if (!embedder) return 'lexical only (no embedder configured)';
  const kind = {
    'openai-compatible': 'OpenAI-compatible server',
    openrouter: 'OpenRouter',
    supabase: 'Supabase AI',
    hashed: 'hashed n-grams (offline)',
  }[embedder.provider];
  return `${kind}, model ${embedder.model}`;
}
