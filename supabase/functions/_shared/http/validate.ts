// Reading a request's JSON body, query and params through the contract's zod schemas.
import type { Context } from 'hono';
import * as z from 'zod/mini';
import { ApiError, zodIssues } from './errors.ts';

function parse<S extends z.ZodMiniType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = z.safeParse(schema, value);
  if (!result.success) {
    throw new ApiError('validation_failed', `The ${where} is not valid`, {
      details: zodIssues(result.error),
    });
  }
  return result.data;
}

export async function readJson<S extends z.ZodMiniType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  if (text.trim() === '') throw new ApiError('bad_request', 'The request body must be JSON and is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError('bad_request', `The request body is not valid JSON: ${(error as Error).message}`);
  }
  return parse(schema, value, 'request body');
}

/**
 * A route that takes no body: none, or `{}` (what pg_cron's pg_net sends), is fine; a body with keys is refused
 * like an unknown key of any other route (422 naming each), so a field a caller thinks it sets is never dropped.
 */
export async function readNoBody(c: Context): Promise<void> {
  const text = await c.req.text();
  if (text.trim() === '') return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError('bad_request', `The request body is not valid JSON: ${(error as Error).message}`);
  }
  parse(noBody, value, 'request body');
}

const noBody = z.strictObject({});

export function readQuery<S extends z.ZodMiniType>(c: Context, schema: S): z.output<S> {
  return parse(schema, c.req.query(), 'query');
}

export function readParam<S extends z.ZodMiniType>(
  c: Context,
  name: string,
  schema: S,
  what: string,
): z.output<S> {
  const result = z.safeParse(schema, c.req.param(name));
  // A malformed id names nothing that exists.
  if (!result.success) throw new ApiError('not_found', `${what} not found`);
  return result.data;
}
