// The environment a function runs with: Deno.env in Deno, process.env in Node, a plain object in tests.
export type Env = Readonly<Record<string, string | undefined>>;

/** The service version reported by `GET /health`. */
export const VERSION = '0.1.0';
