// Readiness of the model provider: is it reachable, does it take our key, does it serve the models agents use.
// Probes are free calls (OpenRouter's GET /key, every server's GET /models), short, and cached, so a monitor
// polling /health/ready costs the provider almost nothing. The result has a public part and a log part.
import type { ReadinessProblem } from '@closer/contract';
import { MiB, readJsonWithin } from '../http/responseBody.ts';
import { type LlmProviderConfig, publicProviderName } from './config.ts';

export interface ProviderProbe {
  ok: boolean;
  problem?: ReadinessProblem;
  /** Safe for anyone: the provider's kind and the kind of problem. */
  detail: string;
  /** For the server log only: addresses, statuses, model names, the provider's words. */
  logDetail?: string;
  latencyMs: number;
}

export interface ProbeOptions {
  /** The models active agents will ask for (the deployment default included when an agent relies on it). */
  models: string[];
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** OpenRouter's list of every model is 1–2 MiB of JSON; room to grow, never without limit. */
const MODEL_LIST_BYTES = 16 * MiB;

type Step = { ok: true; models?: string[] } | { ok: false; problem: ReadinessProblem; logDetail: string };

async function get(
  config: Exclude<LlmProviderConfig, { provider: 'offline' }>,
  path: string,
  options: ProbeOptions,
) {
  return (options.fetch ?? fetch)(`${config.baseUrl}${path}`, {
    headers: config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {},
    signal: AbortSignal.timeout(options.timeoutMs),
  });
}

/** Frees a body we do not read (not awaited: some runtimes settle a cancel only when the stream ends). */
function discard(response: Response): void {
  void response.body?.cancel().catch(() => undefined);
}

function refused(status: number, where: string): Step {
  if (status === 401 || status === 403)
    return {
      ok: false,
      problem: 'auth_failed',
      logDetail: `${where} answered ${status}: the API key was refused`,
    };
  return { ok: false, problem: 'upstream_error', logDetail: `${where} answered ${status}` };
}

async function listModels(
  config: Exclude<LlmProviderConfig, { provider: 'offline' }>,
  options: ProbeOptions,
): Promise<Step> {
  if (config.provider === 'openrouter') {
    // OpenRouter's model list is public: its key is checked on its own.
    const key = await get(config, '/key', options);
    discard(key);
    if (!key.ok) return refused(key.status, `${config.baseUrl}/key`);
  }
  const response = await get(config, '/models', options);
  if (response.status === 404 && config.provider === 'openai-compatible') {
    discard(response);
    return { ok: true }; // a server without a model list: reachable, models unverified
  }
  if (!response.ok) {
    discard(response);
    return refused(response.status, `${config.baseUrl}/models`);
  }
  // A list Closer cannot read (not JSON, over its cap, `data` not an array) says nothing about the models:
  // reachable, unverified. A list that stopped coming within the timeout is no answer: unreachable.
  const body: unknown = await readJsonWithin(response, MODEL_LIST_BYTES).catch((error: unknown) => {
    if ((error as Error | null)?.name === 'TimeoutError') throw error;
    return null;
  });
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return { ok: true };
  const ids = data
    .map((m) => (m as { id?: unknown } | null)?.id)
    .filter((id): id is string => typeof id === 'string');
  return { ok: true, models: ids };
}

/**
 * Ollama lists `llama3.2:latest` and serves it as `llama3.2` too; OpenRouter's routing suffixes (`:nitro`,
 * `:floor`, `:online`, `:exacto`) are not listed but name a listed model.
 */
function served(model: string, listed: Set<string>): boolean {
  const routed = model.replace(/:(nitro|floor|online|exacto)$/, '');
  return listed.has(model) || listed.has(routed) || (!model.includes(':') && listed.has(`${model}:latest`));
}

export async function probeProvider(
  config: LlmProviderConfig,
  options: ProbeOptions,
): Promise<ProviderProbe> {
  const name = publicProviderName[config.provider];
  if (config.provider === 'offline')
    return { ok: true, detail: `${name} (no language model configured)`, latencyMs: 0 };
  const started = performance.now();
  let step: Step;
  try {
    step = await listModels(config, options);
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    step = {
      ok: false,
      problem: 'unreachable',
      logDetail: `${config.baseUrl}: ${timedOut ? `no answer within ${options.timeoutMs} ms` : String((error as Error).cause ?? error)}`,
    };
  }
  const latencyMs = Math.round(performance.now() - started);
  if (!step.ok)
    return {
      ok: false,
      problem: step.problem,
      detail: `${name}: ${problemText[step.problem]}`,
      logDetail: step.logDetail,
      latencyMs,
    };
  const listed = new Set(step.models ?? []);
  const missing = step.models ? options.models.filter((m) => !served(m, listed)) : [];
  if (missing.length) {
    return {
      ok: false,
      problem: 'model_not_found',
      detail: `${name}: ${problemText.model_not_found}`,
      logDetail: `${config.baseUrl} does not serve ${missing.map((m) => JSON.stringify(m)).join(', ')}`,
      latencyMs,
    };
  }
  return {
    ok: true,
    detail: step.models ? `${name}: reachable, models available` : `${name}: reachable`,
    latencyMs,
  };
}

/** Public words for each problem. */
export const problemText: Record<ReadinessProblem, string> = {
  unreachable: 'unreachable',
  schema_missing: 'connected, but migrations have not been applied',
  misconfigured: 'misconfigured',
  auth_failed: 'the API key was refused',
  model_not_found: 'a model the agents use was not found',
  no_default_model: 'agents rely on a default model but LLM_MODEL is not set',
  upstream_error: 'the provider answered with an error',
};
