// The seeded demo organisation's keys: fixed by env, remembered in .closer/, or made fresh, and written back.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PUBLISHABLE_KEY_PATTERN } from '@closer/functions/_shared/auth/publishableKeys.ts';
import {
  generateSecretKey,
  hashSecretKey,
  SECRET_KEY_PATTERN,
  secretKeyPrefix,
} from '@closer/functions/_shared/auth/secretKeys.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import type { Env } from '@closer/functions/_shared/env.ts';

export const DEMO_ORG_ID = '00000000-0000-4000-8000-000000000001';
export const DEMO_KEY_ID = '00000000-0000-4000-8000-0000000000a1';
/** The English agent first: CLOSER_DEMO_PUBLISHABLE_KEY is its key, the Russian agent gets the same + "_ru". */
export const DEMO_AGENT_IDS = [
  '00000000-0000-4000-8000-0000000000e1',
  '00000000-0000-4000-8000-0000000000e2',
];

export interface DemoKeys {
  secretKey: string | null;
  agents: { id: string; name: string; language: string; publishableKey: string }[];
}

async function rememberedSecret(stateDir: string | null): Promise<string | undefined> {
  if (!stateDir) return undefined;
  try {
    const saved = JSON.parse(await readFile(join(stateDir, 'demo-keys.json'), 'utf8')) as {
      secretKey?: string;
    };
    return saved.secretKey;
  } catch {
    return undefined;
  }
}

export async function ensureDemoKeys(db: Database, env: Env, stateDir: string | null): Promise<DemoKeys> {
  const [keyRow] = await db.query<{ id: string }>('select id from public.api_keys where id = $1', [
    DEMO_KEY_ID,
  ]);
  let secretKey: string | null = null;
  if (keyRow) {
    const fixed = env.CLOSER_DEMO_SECRET_KEY;
    if (fixed !== undefined && !SECRET_KEY_PATTERN.test(fixed)) {
      throw new Error('CLOSER_DEMO_SECRET_KEY must look like sk_ followed by 20 or more of A-Z a-z 0-9 _ -');
    }
    secretKey = fixed ?? (await rememberedSecret(stateDir)) ?? generateSecretKey();
    await db.query('update public.api_keys set key_hash = $2, prefix = $3, revoked_at = null where id = $1', [
      DEMO_KEY_ID,
      hashSecretKey(secretKey),
      secretKeyPrefix(secretKey),
    ]);
    if (stateDir) {
      await mkdir(stateDir, { recursive: true });
      await writeFile(join(stateDir, 'demo-keys.json'), `${JSON.stringify({ secretKey }, null, 2)}\n`, {
        mode: 0o600,
      });
    }
  }

  const fixedPublishable = env.CLOSER_DEMO_PUBLISHABLE_KEY;
  if (fixedPublishable !== undefined) {
    if (!PUBLISHABLE_KEY_PATTERN.test(fixedPublishable)) {
      throw new Error(
        'CLOSER_DEMO_PUBLISHABLE_KEY must look like pk_ followed by 10 or more of A-Z a-z 0-9 _ -',
      );
    }
    for (const [index, agentId] of DEMO_AGENT_IDS.entries()) {
      const key = index === 0 ? fixedPublishable : `${fixedPublishable}_ru`;
      await db.query('update public.agents set publishable_key = $2 where id = $1', [agentId, key]);
    }
  }
  const agents = await db.query<{ id: string; name: string; language: string; publishable_key: string }>(
    'select id, name, language, publishable_key from public.agents where org_id = $1 order by id',
    [DEMO_ORG_ID],
  );
  return {
    secretKey,
    agents: agents.map((a) => ({
      id: a.id,
      name: a.name,
      language: a.language,
      publishableKey: a.publishable_key,
    })),
  };
}
