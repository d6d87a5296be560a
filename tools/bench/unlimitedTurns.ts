// What the one-turn-at-a-time benches (turnPhases.ts, turnStatements.ts) share: the local stack's database with its
// demo keys and every limit out of the way (they measure the turn, not the limiter: a run holds thousands), and the
// runtime's settings for the stand-in model with the organisation's ceilings lifted as well.
import { openDatabase, prepareDatabase } from '../../packages/local/src/database.ts';
import { ensureDemoKeys } from '../../packages/local/src/demoKeys.ts';

/** The migrated, seeded database at `url`, its agents' limits lifted; and the demo secret key. */
export async function unlimitedDatabase(url: string) {
  const db = await openDatabase({ kind: 'postgres', url });
  await prepareDatabase(db);
  const { secretKey } = await ensureDemoKeys(db, {}, null);
  if (!secretKey) throw new Error('the demo secret key was not made');
  await db.query(
    `update agents set rate_limits = '{"visitorPerMinute": 1000, "ipPerMinute": 10000, "repliesPerHour": 1000000,
       "repliesPerDay": 10000000, "tokensPerHour": 1000000000, "tokensPerDay": 1000000000}'`,
  );
  return { db, secretKey };
}

/** The runtime's environment: the stand-in model at `modelUrl`, the organisation's ceilings lifted. */
export const unlimitedEnv = (modelUrl: string) => ({
  LLM_BASE_URL: modelUrl,
  LLM_MODEL: 'stand-in',
  OPENROUTER_API_KEY: '',
  CLOSER_ORG_REPLIES_PER_HOUR: '1000000',
  CLOSER_ORG_REPLIES_PER_DAY: '10000000',
  CLOSER_ORG_TOKENS_PER_HOUR: '1000000000',
  CLOSER_ORG_TOKENS_PER_DAY: '1000000000',
});
