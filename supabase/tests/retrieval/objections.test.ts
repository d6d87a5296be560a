// Objection answers are matched by phrase and stem, not by a substring of a keyword, on both drivers, against the
// demo seed (the agents' own keywords) and against objections written here for one rule at a time.
import { readFile } from 'node:fs/promises';
import { type TenantClaims, withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { matchObjections } from '@closer/functions/_shared/retrieval/retrieve.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drivers, migratedDatabase, seedFile } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const DEMO_ORG = '00000000-0000-4000-8000-000000000001';
const solar = { id: '00000000-0000-4000-8000-0000000000e1', language: 'en' };
const renovation = { id: '00000000-0000-4000-8000-0000000000e2', language: 'ru' };

describe.each(drivers)('objection answers on %s', (driver) => {
  let db: Database;
  let other: TenantFixture;
  const demo: TenantClaims = { role: 'authenticated', org_id: DEMO_ORG, kind: 'secret' };
  const matched = async (
    agent: { id: string; language: string },
    message: string,
    claims: TenantClaims = demo,
  ) => (await withTenant(db, claims, (tx) => matchObjections(tx, agent, message))).map((o) => o.objection);

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    await db.exec(await readFile(seedFile, 'utf8'));
    other = await createTenant(db, 'Rules');
  });
  afterAll(async () => db?.close());

  it.each([
    [solar, 'Do you sell batteries?'],
    [solar, 'Can I talk to a human?'],
    [renovation, 'Сколько стоит ремонт под ключ?'],
    [solar, 'How much does it cost?'],
    [solar, 'Does the roof need to be replaced first?'],
    [solar, 'How long do I wait for permits?'],
    [renovation, 'Можно я сам выберу плитку?'],
    [renovation, 'Какие сроки у однушки?'],
    [renovation, 'Какая у вас гарантия?'],
  ])('gives no objection answer to a plain question (%#: %s)', async (agent, message) => {
    expect(await matched(agent, message)).toEqual([]);
  });

  it.each([
    [solar, 'This is way too expensive for us', 'Solar is too expensive'],
    [solar, "Honestly I can't afford it", 'Solar is too expensive'],
    [solar, 'We might sell the house in two years', 'I might move in a few years'],
    [solar, "We're planning to move soon", 'I might move in a few years'],
    [solar, 'I need to talk to my wife first', 'I need to talk to my spouse'],
    [solar, 'Will drilling damage my roof?', 'Will it damage my roof?'],
    [solar, 'Another company quoted less', 'Another company quoted less'],
    [renovation, 'Дороговато у вас', 'Дорого'],
    [renovation, 'Я лучше сделаю ремонт сам', 'Сделаю ремонт сам'],
    [renovation, 'Сделаю сам, своими руками', 'Сделаю ремонт сам'],
    [renovation, 'Мне надо подумать', 'Мне нужно подумать'],
    [renovation, 'А если вы затянете сроки?', 'Боюсь, что затянут сроки'],
    [renovation, 'Частник предлагает дешевле', 'Нашёл бригаду дешевле'],
  ])('answers an objection that is really there (%#: %s)', async (agent, message, objection) => {
    expect((await matched(agent, message))[0]).toBe(objection);
  });

  describe('rules, one at a time', () => {
    let agent: { id: string; language: string };
    let claims: TenantClaims;
    beforeAll(async () => {
      agent = { id: other.agentId, language: 'en' };
      claims = { role: 'authenticated', org_id: other.orgId, kind: 'secret' };
      const add = (objection: string, keywords: string[]) =>
        db.query(
          `insert into objection_responses (org_id, agent_id, objection, keywords, answer) values ($1, $2, $3, $4, 'An answer')`,
          [other.orgId, other.agentId, objection, keywords],
        );
      await add('Moving house', ['sell my house']);
      await add('Only common words', ['about it', 'the']);
      await add('Not convinced by solar panels at all', ['skeptical']);
      await add('Price', ['expensive', 'cheaper elsewhere']);
      await add('Competition', ['cheaper elsewhere', 'competitor']);
    });

    it('matches a keyword phrase by stem, with common words as gaps, in order', async () => {
      expect(await matched(agent, 'What if we end up selling the house?', claims)).toEqual(['Moving house']);
      expect(await matched(agent, 'Do you sell batteries for the house?', claims)).toEqual([]);
      expect(await matched(agent, 'My house would sell for more?', claims)).toEqual([]);
    });

    it('never matches a cue made only of common words', async () => {
      expect(await matched(agent, 'What about it? The thing is there', claims)).toEqual([]);
    });

    it('needs every word of the objection itself, in any order, and a one-word keyword alone', async () => {
      expect(await matched(agent, 'Solar panels? Not convinced by them at all', claims)).toEqual([
        'Not convinced by solar panels at all',
      ]);
      expect(await matched(agent, 'Which solar panels do you use?', claims)).toEqual([]);
      expect(await matched(agent, 'I am a bit skeptical', claims)).toEqual([
        'Not convinced by solar panels at all',
      ]);
    });

    it('puts the more specific objection first when words are shared', async () => {
      expect(await matched(agent, 'A competitor is cheaper elsewhere', claims)).toEqual([
        'Competition',
        'Price',
      ]);
      expect(await matched(agent, 'Expensive! I saw it cheaper elsewhere', claims)).toEqual([
        'Price',
        'Competition',
      ]);
    });

    it('follows an edit of the keywords and a change of the agent language', async () => {
      const [row] = await db.query<{ id: string }>(
        `insert into objection_responses (org_id, agent_id, objection, keywords, answer)
         values ($1, $2, 'Wants a discount', '{}', 'An answer') returning id`,
        [other.orgId, other.agentId],
      );
      expect(await matched(agent, 'Any discount for veterans?', claims)).toEqual([]);
      await withTenant(db, claims, (tx) =>
        tx.query(`update objection_responses set keywords = '{discount}' where id = $1`, [row!.id]),
      );
      expect(await matched(agent, 'Any discounts for veterans?', claims)).toEqual(['Wants a discount']);
      await withTenant(db, claims, (tx) =>
        tx.query(`update objection_responses set keywords = '{скидка}' where id = $1`, [row!.id]),
      );
      // Stemmed in English, «скидки» is not «скидка»; made again in Russian, it is.
      expect(await matched(agent, 'Есть скидки?', claims)).toEqual([]);
      await withTenant(db, claims, (tx) =>
        tx.query(`update agents set language = 'ru' where id = $1`, [agent.id]),
      );
      expect(await matched({ ...agent, language: 'ru' }, 'Есть скидки?', claims)).toEqual([
        'Wants a discount',
      ]);
      await withTenant(db, claims, (tx) =>
        tx.query(`update agents set language = 'en' where id = $1`, [agent.id]),
      );
      await db.query('delete from objection_responses where id = $1', [row!.id]);
    });

    it("never reaches another tenant's objections", async () => {
      expect(await matched(agent, 'Дороговато у вас', claims)).toEqual([]);
      expect(await matched(renovation, 'Дороговато у вас', claims)).toEqual([]);
      expect(await matched({ ...agent, language: 'en' }, 'sell my house', demo)).toEqual([]);
    });
  });
});
