// First tokens before the rest of running replies. While turns are being prepared (the part before a visitor's
// first token: the agent, the counts, the turn's transaction), running replies gather their text for longer, so
// their writes and event-loop turns leave the preparations more of this process's CPU. Counted per process: a
// process's streams share its one thread. A reply's first text and its end are never held back (coalesce.ts).

import type { MiddlewareHandler } from 'hono';

/** The least and the most a running reply's text is gathered for, in milliseconds. */
export const RELAY_INTERVAL_MS = { least: 30, most: 250 } as const;

/** Streams in flight at which the interval reaches its most, while any turn is being prepared. */
const STREAMS_FOR_MOST = 200;

let preparing = 0;
let relaying = 0;

/** Counts a turn being prepared until the returned function is called (once; later calls do nothing). */
export function preparingTurn(): () => void {
  preparing++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    preparing--;
  };
}

/** Counts a reply relaying text (after its first piece went out) until the returned function is called. */
export function relayingReply(): () => void {
  relaying++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    relaying--;
  };
}

/**
 * How long a running reply gathers text before its next write: the least while no turn is being prepared, and
 * with turns waiting, longer the more streams are in flight (prepared or relaying), up to the most.
 */
export function relayIntervalMs(): number {
  if (preparing === 0) return RELAY_INTERVAL_MS.least;
  const { least, most } = RELAY_INTERVAL_MS;
  const share = Math.min(1, (preparing + relaying) / STREAMS_FOR_MOST);
  return Math.round(least + (most - least) * share);
}

/**
 * Counts a chat request as a turn being prepared until its handler has answered: for a stream, when the response
 * starts (its first token is next); for a JSON reply, when the whole reply is ready.
 */
export const countPreparing: MiddlewareHandler = async (_c, next) => {
  const prepared = preparingTurn();
  try {
    await next();
  } finally {
    prepared();
  }
};
