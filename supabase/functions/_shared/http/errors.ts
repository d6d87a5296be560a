// ApiError and the translation of every failure into DESIGN.md's error envelope.
import { type ErrorBody, type ErrorCode, errorStatus, type FieldIssue } from '@closer/contract';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { $ZodError } from 'zod/v4/core';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
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
    /** `cause`: what went wrong behind a 5xx, for the log (never shown to the caller). */
    options: { details?: FieldIssue[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.status = errorStatus[code];
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export const notFound = (what = 'Resource') => new ApiError('not_found', `${what} not found`);

export function zodIssues(error: $ZodError): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
    // One issue per unknown key, at the key's own path, so the caller sees which field was not understood.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: 'is not a known field',
        code: issue.code,
      }));
    }
    return [{ path, message: issue.message, code: issue.code }];
  });
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
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'validation_failed',
  429: 'rate_limited',
  503: 'unavailable',
};

/**
 * Postgres data exceptions a client's value can cause. Inputs are validated before any SQL runs, so these are
 * the safety net: whatever slips through is still the caller's mistake (422), never a 500.
 */
const BAD_INPUT_SQLSTATES = new Set([
  '22001', // string_data_right_truncation: longer than the column allows
  '22003', // numeric_value_out_of_range
  '22007', // invalid_datetime_format
  '22008', // datetime_field_overflow: 2026-02-30, year 0
  '22021', // character_not_in_repertoire: NUL or invalid UTF-8 in text
  '22023', // invalid_parameter_value: an unknown time zone
  '22025', // invalid_escape_sequence
  '2201B', // invalid_regular_expression
  '2201W', // invalid_row_count_in_limit_clause
  '2201X', // invalid_row_count_in_result_offset_clause
  '22P02', // invalid_text_representation: not a uuid, not a number
  '22P05', // untranslatable_character: \u0000 in jsonb
  '23514', // check_violation
  '54000', // program_limit_exceeded: a value too long for an index or a tsvector
]);

/** Postgres SQLSTATEs that mean the client asked for something impossible, not that the server broke. */
function fromPostgres(error: unknown): ApiError | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return null;
  switch (code) {
    case '23505':
      return new ApiError('conflict', 'A resource with these values already exists');
    case '23503':
      return new ApiError('validation_failed', 'A referenced resource does not exist');
    case '42501':
      // Row-level security or a missing grant refused the statement: a handler asked for something the
      // caller's role may not do. Answered 403 without the SQL, and logged by handleError.
      return new ApiError('forbidden', 'You are not allowed to do this');
    default:
      return BAD_INPUT_SQLSTATES.has(code)
        ? new ApiError('validation_failed', 'A value is not acceptable')
        : null;
  }
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    const code = httpStatusCodes[error.status] ?? 'internal';
    return new ApiError(code, code === 'internal' ? 'Internal error' : error.message || code);
  }
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  return fromPostgres(error) ?? new ApiError('internal', 'Internal error');
}

/** The database is down or restarting: worth a retry in a few seconds. */
export const databaseUnavailable = () =>
  new ApiError('unavailable', 'The service is briefly unavailable; try again in a few seconds', {
    headers: { 'retry-after': '5' },
  });

/** Permission refusals from Postgres are bugs or attacks worth a look, not routine 4xx. */
const isPermissionError = (error: unknown) => (error as { code?: unknown } | null)?.code === '42501';

export function handleError(error: unknown, c: Context): Response {
  const apiError = toApiError(error);
  if (
    apiError.code === 'internal' ||
    isDatabaseUnavailable(error) ||
    isPermissionError(error) ||
    // A server error with a cause behind it (a remote down): the log names the cause.
    (error instanceof ApiError && error.status >= 500 && error.cause !== undefined)
  ) {
    logFailure(error, { where: c.req.path, requestId: requestIdOf(c), method: c.req.method });
  } else if (!(error instanceof ApiError) && !(error instanceof HTTPException)) {
    // A database refusal taken as the caller's mistake: still worth a line, the validation let it through.
    const sqlstate = (error as { code?: unknown }).code;
    console.warn(
      JSON.stringify({
        level: 'warn',
        requestId: requestIdOf(c),
        path: c.req.path,
        sqlstate,
        error: String(error),
      }),
    );
  }
  return errorResponse(c, apiError);
}
