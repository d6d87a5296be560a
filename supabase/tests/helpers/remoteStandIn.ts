// What the stand-ins for misbehaving remote servers (endlessServer.ts, stallingServer.ts) share: counting the
// clients that hung up, and a fetch that sends a fixed-host client's requests to the stand-in.

/** Counts hang-ups and resolves the waits for a count once it is reached. */
export function hangUpCount() {
  const state = { hungUp: 0 };
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    get hungUp() {
      return state.hungUp;
    },
    hangUp(): void {
      state.hungUp++;
      for (const waiter of waiters.filter((w) => state.hungUp >= w.count)) waiter.resolve();
    },
    /** Resolves once `count` clients hung up. */
    waitForHangUps: (count = 1): Promise<void> =>
      state.hungUp >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiters.push({ count, resolve });
          }),
  };
}

/**
 * A fetch that sends every request to `server` instead, path and query kept (for clients with fixed https hosts).
 * It holds the fetch of when it was made, so it can stand in for the global one.
 */
export function fetchTo(server: { url: string }): typeof fetch {
  const send = globalThis.fetch;
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return send(`${server.url}${url.pathname}${url.search}`, init);
  };
}
