// The offline responder: no model, no key. It answers from the agent's own knowledge, objection answers and
// script by retrieval (done before it is called), in the agent's language, word by word (offline/answer.ts).
import { offlineAnswer } from './offline/answer.ts';
import type { Grounding, LlmProvider } from './types.ts';

export { offlineAnswer };

const estimateTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export function createOfflineProvider(options: { wordDelayMs?: number } = {}): LlmProvider {
  const pause = Math.max(0, Math.min(options.wordDelayMs ?? 0, 1000));
  return {
    name: 'offline',
    async *stream(request, signal) {
      const replies = request.messages.filter((m) => m.role === 'assistant' && m.content);
      const grounding: Grounding = request.grounding ?? {
        agentName: 'Closer',
        language: 'en',
        knowledge: [],
        objections: [],
        script: null,
        question: request.messages.at(-1)?.content ?? '',
        firstReply: replies.length === 0,
        ...(replies.length > 0 ? { previousReply: replies.at(-1)!.content } : {}),
      };
      const answer = offlineAnswer(grounding);
      // Word by word, whitespace kept with the word before it, as a model streams tokens.
      for (const word of answer.match(/\S+\s*/g) ?? []) {
        if (signal.aborted) return;
        yield { type: 'text', text: word };
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
      const input = request.messages.reduce((sum, m) => sum + estimateTokens(m.content), 0);
      yield { type: 'usage', inputTokens: input, outputTokens: estimateTokens(answer) };
      yield { type: 'finish', reason: 'stop' };
    },
  };
}
