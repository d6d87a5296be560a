// Wraps a provider for one request: every upstream failure is logged with the request id, stack and cause,
// and learns who will read it (a public visitor or the organisation's own caller) and the request id.
import { logFailure } from '../log.ts';
import { type Audience, UpstreamError } from './errors.ts';
import type { LlmProvider } from './types.ts';

export function observeProvider(
  provider: LlmProvider,
  context: { requestId: string; audience: Audience },
): LlmProvider {
  return {
    name: provider.name,
    async *stream(request, signal) {
      try {
        yield* provider.stream(request, signal);
      } catch (error) {
        if (error instanceof UpstreamError) {
          error.audience = context.audience;
          error.requestId = context.requestId;
          logFailure(error, {
            level: 'warn',
            where: 'llm',
            requestId: context.requestId,
            provider: provider.name,
            model: request.model,
            upstreamStatus: error.status,
          });
        }
        throw error;
      }
    },
  };
}
