// Errors as people read them: field errors keyed by path (from the server's 422 details or the contract's own
// schemas) and one sentence for everything else.
import {
  CloserError,
  ConflictError,
  ConnectionError,
  PermissionError,
  RateLimitError,
  TimeoutError,
  ValidationError,
} from '@closer/sdk';
import type * as z from 'zod/mini';
import { t } from '../i18n/messages.ts';

/** Field path → message; `a.b.0` for nested fields. */
export type FieldErrors = Record<string, string>;

const key = (path: readonly PropertyKey[]) => path.map(String).join('.');

/** The field issues of a 422 (invalid) or 409 (taken) answer; empty for any other error. */
export function serverFieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ValidationError) && !(error instanceof ConflictError)) return {};
  const errors: FieldErrors = {};
  for (const issue of error.details) errors[key(issue.path)] ??= issue.message;
  return errors;
}

/** Checks `value` with a contract schema: the parsed value, or the issues by field. */
export function validate<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
): { ok: true; data: z.infer<S> } | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data as z.infer<S> };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) errors[key(issue.path)] ??= issue.message;
  return { ok: false, errors };
}

/** One sentence for the user, with the request id when the server gave one (support can find the log line). */
export function errorMessage(error: unknown): string {
  if (error instanceof ConnectionError) return t('error.connection');
  if (error instanceof TimeoutError) return t('error.timeout');
  if (error instanceof RateLimitError)
    return t('error.rateLimited', { seconds: Math.ceil(error.retryAfter ?? 1) });
  if (error instanceof PermissionError) return t('error.forbidden');
  if (error instanceof CloserError) {
    const message = error instanceof ValidationError ? t('error.validation') : error.message;
    return error.requestId ? `${message} (${t('error.requestId')} ${error.requestId})` : message;
  }
  return error instanceof Error ? error.message : String(error);
}
