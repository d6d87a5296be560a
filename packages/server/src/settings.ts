// The production server's own settings, from the environment (docs/self-hosting.md lists them with the
// functions' variables). A wrong value stops the start with a message naming the variable.

export interface ServerSettings {
  /** DATABASE_URL (or SUPABASE_DB_URL): the PostgreSQL ≥ 15 database. Required. */
  databaseUrl: string;
  /** PORT, default 8080. */
  port: number;
  /** HOST, default 127.0.0.1; 0.0.0.0 in a container. */
  host: string;
  /** CLOSER_DB_POOL_SIZE: connections to PostgreSQL, default 10. */
  poolSize: number;
  /** CLOSER_MIGRATE=off skips applying migrations at start (apply them yourself). Default on. */
  migrate: boolean;
  /** CLOSER_WORKER_INTERVAL_MS: the outbox worker's period, default 15 000 ms; 0 runs no worker here. */
  workerIntervalMs: number;
  /** CLOSER_SOURCES_INTERVAL_MS: the knowledge-sources worker's period, default 2 000 ms; 0 runs none here. */
  sourcesIntervalMs: number;
  /** CLOSER_SHUTDOWN_GRACE_MS: how long running requests and streams may take to finish, default 30 000 ms. */
  shutdownGraceMs: number;
  /** Whether a JWT issuer is configured (SUPABASE_JWKS, CLOSER_JWKS_URL, SUPABASE_URL or CLOSER_JWT_SECRET). */
  memberSignIn: boolean;
}

function integer(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  return value;
}

export function readServerSettings(env: Record<string, string | undefined>): ServerSettings {
  const databaseUrl = env.DATABASE_URL ?? env.SUPABASE_DB_URL;
  if (!databaseUrl)
    throw new Error('Set DATABASE_URL to your PostgreSQL database (postgres://user:pass@host:5432/db)');
  return {
    databaseUrl,
    port: integer(env, 'PORT', 8080, 0, 65_535),
    host: env.HOST || '127.0.0.1',
    poolSize: integer(env, 'CLOSER_DB_POOL_SIZE', 10, 1, 500),
    migrate: env.CLOSER_MIGRATE !== 'off',
    workerIntervalMs: integer(env, 'CLOSER_WORKER_INTERVAL_MS', 15_000, 0, 3_600_000),
    sourcesIntervalMs: integer(env, 'CLOSER_SOURCES_INTERVAL_MS', 2_000, 0, 3_600_000),
    shutdownGraceMs: integer(env, 'CLOSER_SHUTDOWN_GRACE_MS', 30_000, 0, 600_000),
    memberSignIn: Boolean(
      env.SUPABASE_JWKS ||
        env.CLOSER_JWKS_URL ||
        env.SUPABASE_URL ||
        env.CLOSER_JWT_SECRET ||
        env.SUPABASE_JWT_SECRET,
    ),
  };
}
