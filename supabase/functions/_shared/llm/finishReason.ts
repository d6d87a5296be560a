// Why a model stopped, in the OpenAI names every client knows. Servers use others (TGI `eos_token`, Anthropic
// proxies `end_turn` / `max_tokens`, Gemini `SAFETY`), and a broken one may send anything: a stored or relayed
// finish reason is always one of these.

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

const KNOWN: Record<string, FinishReason> = {
  stop: 'stop',
  eos: 'stop',
  eos_token: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  length: 'length',
  max_tokens: 'length',
  model_length: 'length',
  tool_calls: 'tool_calls',
  tool_use: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
  safety: 'content_filter',
  recitation: 'content_filter',
  blocklist: 'content_filter',
  prohibited_content: 'content_filter',
  error: 'error',
};

/** The finish reason a chunk names, or null when it names none (not a string, or empty). Unknown: `stop`. */
export function finishReasonOf(value: unknown): FinishReason | null {
  if (typeof value !== 'string' || value === '') return null;
  return KNOWN[value.toLowerCase()] ?? 'stop';
}
