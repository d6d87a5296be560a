// The API description of every function the stack mounts, built from their routes without a database.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { VERSION } from '@closer/functions/_shared/env.ts';
import type { FunctionApp } from '@closer/functions/_shared/http/app.ts';
import { type DocumentOptions, openApiDocument } from '@closer/functions/_shared/openapi/document.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { functionFactories } from './functions.ts';

const unused = () => Promise.reject(new Error('Describing the API does not touch the database'));

/** Database stand-in: building an app never queries; describing it never serves a request. */
const noDatabase: Database = {
  driver: 'postgres',
  query: unused,
  transaction: unused,
  exec: unused,
  close: async () => {},
};

/** Every function's app, keyed by function name, built only to read its routes. */
export function describedApps(): Record<string, FunctionApp> {
  const runtime = createRuntime(noDatabase, {});
  return Object.fromEntries(
    Object.entries(functionFactories).map(([name, create]) => [name, create(runtime)]),
  );
}

/** The document `pnpm openapi` writes to docs/api/openapi.json. */
export const generateOpenApi = (options: Partial<DocumentOptions> = {}) =>
  openApiDocument(describedApps(), { version: VERSION, ...options });
