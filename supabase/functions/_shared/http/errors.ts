// ApiError and the translation of every failure into DESIGN.md's error envelope.
import { type ErrorBody, type ErrorCode, errorStatus, type FieldIssue } from '@closer/contract';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { $ZodError } from 'zod/v4/core';
import { logFailure } from '../log.ts';
import { requestIdOf } from './requestId.ts';

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: ContentfulStatusCode;
  readonly details: FieldIssue[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: FieldIssue[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = errorStatus[code];
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export const notFound = (what = 'Resource') => new ApiError('not_found', `${what} not found`);

export function zodIssues(error: $ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
    message: issue.message,
    code: issue.code,
  }));
}

export function errorResponse(c: Context, error: ApiError): Response {
  const body: ErrorBody = {
    error: {
      code: error.code,
      message: error.message,
      requestId: requestIdOf(c),
      ...(error.details ? { details: error.details } : {}),
    },
  };
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(body, error.status);
}

const httpStatusCodes: Partial<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'validation_failed',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Postgres SQLSTATEs that mean the client asked for something impossible, not that the server broke. */
function fromPostgres(error: unknown): ApiError | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return null;
  switch (code) {
    case '23505':
      return new ApiError('conflict', 'A resource with these values already exists');
    case '23503':
      return new ApiError('validation_failed', 'A referenced resource does not exist');
    case '23514':
    case '22001':
    case '22P02':
      return new ApiError('validation_failed', 'A value is not acceptable');
    case '42501':
      // Row-level security or a missing grant refused the statement: a handler asked for something the
      // caller's role may not do. Answered 403 without the SQL, and logged by handleError.
      return new ApiError('forbidden', 'You are not allowed to do this');
    default:
      return null;
  }
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    const code = httpStatusCodes[error.status] ?? 'internal';
    return new ApiError(code, code === 'internal' ? 'Internal error' : error.message || code);
  }
  return fromPostgres(error) ?? new ApiError('internal', 'Internal error');
}

/** Permission refusals from Postgres are bugs or attacks worth a look, not routine 4xx. */
const isPermissionError = (error: unknown) => (error as { code?: unknown } | null)?.code === '42501';

export function handleError(error: unknown, c: Context): Response {
  const apiError = toApiError(error);
  if (apiError.code === 'internal' || isPermissionError(error)) {
    logFailure(error, { where: c.req.path, requestId: requestIdOf(c), method: c.req.method });
  }
  return errorResponse(c, apiError);
}
