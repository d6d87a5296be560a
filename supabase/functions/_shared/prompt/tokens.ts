// Token estimates without a tokenizer: conservative (≈3 characters a token covers Cyrillic and code too).

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3) + 4;
}

const contextWindows: [RegExp, number][] = [
  [/gemini/i, 1_000_000],
  [/claude/i, 200_000],
  [/gpt-4\.1|gpt-5|o[134]-/i, 128_000],
  [/gpt-4o|gpt-4-turbo/i, 128_000],
  [/gpt-3\.5/i, 16_000],
  [/llama-?3\.[1-9]|qwen|mistral-(large|medium)|deepseek/i, 32_000],
  [/llama/i, 8_192],
];

/**
 * The context window of a model by its name; 8 192 tokens when unknown (safe for small local models).
 * A guess for hosted models: a server may run a model with a smaller window (Ollama defaults to 4,096),
 * which is what `LLM_CONTEXT_WINDOW` and an agent's `contextWindow` are for.
 */
export function contextWindow(model: string): number {
  return contextWindows.find(([pattern]) => pattern.test(model))?.[1] ?? 8_192;
}
