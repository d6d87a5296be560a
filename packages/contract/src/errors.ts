// The error envelope every failing response carries, and its codes.
import * as z from 'zod/mini';

export const errorCode = z.enum([
  'bad_request',
  'unauthorized',
  'payment_required',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'validation_failed',
  'rate_limited',
  'internal',
  'upstream_error',
  'unavailable',
]);
export type ErrorCode = z.infer<typeof errorCode>;

/** The HTTP status that goes with each error code. */
export const errorStatus = {
  bad_request: 400,
  unauthorized: 401,
  payment_required: 402,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  rate_limited: 429,
  internal: 500,
  upstream_error: 502,
  unavailable: 503,
} as const satisfies Record<ErrorCode, number>;

/** One field's problem in a `validation_failed` error. */
export const fieldIssue = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
  code: z.optional(z.string()),
});
export type FieldIssue = z.infer<typeof fieldIssue>;

export const errorBody = z.object({
  error: z.object({
    // Loose on purpose: a client must survive a code added after it was built.
    code: z.string(),
    message: z.string(),
    requestId: z.string(),
    details: z.optional(z.array(fieldIssue)),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;
