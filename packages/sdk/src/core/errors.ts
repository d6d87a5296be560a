// One error class per meaning, all under CloserError: callers use `instanceof`, never parse messages.
import type { FieldIssue } from '@closer/contract';

export interface ErrorInit {
  status?: number | undefined;
  code?: string | undefined;
  requestId?: string | undefined;
  details?: FieldIssue[] | undefined;
  cause?: unknown;
}

/** Every error the SDK throws. `status` is 0 when no response arrived. */
export class CloserError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;

  constructor(message: string, init: ErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status ?? 0;
    this.code = init.code ?? 'client_error';
    this.requestId = init.requestId;
  }

  toJSON() {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      code: this.code,
      requestId: this.requestId,
    };
  }
}

/** 401: the key or token is missing, unknown, revoked or expired. */
export class AuthenticationError extends CloserError {}
/** 402: the organisation's plan does not allow this; `limit` names which (`agents`, `knowledgeBytes`, …). */
export class PaymentRequiredError extends CloserError {
  readonly limit: string | undefined;
  constructor(message: string, init: ErrorInit = {}) {
    super(message, init);
    this.limit = init.details?.[0]?.path[0]?.toString();
  }
}
/** 403: the credential is real but may not do this (e.g. a publishable key on an admin route). */
export class PermissionError extends CloserError {}
/** 404: nothing with this id for this caller. */
export class NotFoundError extends CloserError {}
/** 409: a unique value is taken; `details` names the field when the server knows it (e.g. `slug`). */
export class ConflictError extends CloserError {
  readonly details: FieldIssue[];
  constructor(message: string, init: ErrorInit = {}) {
    super(message, init);
    this.details = init.details ?? [];
  }
}
/** 422 (and 400): the request was refused as invalid; `details` names each field. */
export class ValidationError extends CloserError {
  readonly details: FieldIssue[];
  constructor(message: string, init: ErrorInit = {}) {
    super(message, init);
    this.details = init.details ?? [];
  }
}
/** 429: try again after `retryAfter` seconds. */
export class RateLimitError extends CloserError {
  readonly retryAfter: number | undefined;
  constructor(message: string, init: ErrorInit & { retryAfter?: number | undefined } = {}) {
    super(message, init);
    this.retryAfter = init.retryAfter;
  }
}
/** Any other error answer (413, 5xx, …). */
export class ApiError extends CloserError {}
/** No response: network down, DNS, connection refused, aborted by the caller. */
export class ConnectionError extends CloserError {}
/** No response within `timeout`, or a stream that went quiet for longer than `timeout`. */
export class TimeoutError extends CloserError {}
/** A stream that failed after it started: an `error` event, a broken connection, an unreadable event. */
export class StreamError extends CloserError {}

/** Seconds from a `Retry-After` header (seconds or an HTTP date). */
export function retryAfterSeconds(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** The error for an HTTP error response, read from the envelope `{ error: { code, message, requestId, details } }`. */
export async function errorFromResponse(response: Response, what: string): Promise<CloserError> {
  let body: { error?: { code?: string; message?: string; requestId?: string; details?: FieldIssue[] } } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // not the envelope: an HTML page from a proxy, an empty body
  }
  const init = {
    status: response.status,
    code: body.error?.code ?? `http_${response.status}`,
    requestId: body.error?.requestId ?? response.headers.get('x-request-id') ?? undefined,
    details: body.error?.details,
  };
  const message = `${what}: ${body.error?.message ?? `HTTP ${response.status} ${response.statusText}`.trim()}`;
  switch (response.status) {
    case 400:
    case 422:
      return new ValidationError(message, init);
    case 401:
      return new AuthenticationError(message, init);
    case 402:
      return new PaymentRequiredError(message, init);
    case 403:
      return new PermissionError(message, init);
    case 404:
      return new NotFoundError(message, init);
    case 409:
      return new ConflictError(message, init);
    case 429:
      return new RateLimitError(message, {
        ...init,
        retryAfter: retryAfterSeconds(response.headers.get('retry-after')),
      });
    default:
      return new ApiError(message, init);
  }
}
