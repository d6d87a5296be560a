// The one way to get a Kommo client for an organisation: its tokens, and pacing both in this process and
// across every instance.
import type { Database } from '../db/types.ts';
import { KommoApi } from './api.ts';
import type { KommoConfig } from './config.ts';
import { type Pacer, postgresPacer, processPacer } from './pacing.ts';
import { KommoTokenSource } from './tokens.ts';

export function kommoClient(options: {
  db: Database;
  orgId: string;
  config: KommoConfig;
  fetch: typeof fetch;
  /** Scales waits inside the client (tests run it fast). */
  delayScale?: number | undefined;
  /** Default: this process's spacing, then the shared count in Postgres. */
  pacers?: Pacer[];
  /** No request starts that could end after this (ms since the epoch): a worker's lease. */
  deadline?: number | undefined;
}): KommoApi {
  return new KommoApi({
    config: options.config,
    fetch: options.fetch,
    tokens: new KommoTokenSource(options.db, options.orgId, options.config, options.fetch),
    pacers: options.pacers ?? [processPacer, postgresPacer(options.db, options.orgId)],
    ...(options.delayScale === undefined ? {} : { delayScale: options.delayScale }),
    ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
  });
}
