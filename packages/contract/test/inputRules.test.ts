// The contract's input rules: one string definition that refuses NUL and unpaired surrogates, used by every
// string of every request schema; visible names; real calendar dates; IANA zone names; strict request bodies.
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as contract from '../src/index.ts';
import {
  agentCreate,
  calendarDate,
  hasVisibleText,
  instant,
  isStorableText,
  knowledgeCreateBody,
  name,
  storableString,
  timeZone,
} from '../src/index.ts';

const requestSchemaName = /(Create|Update|Request|Query|Body|Input|Fields|Object)$/;

/** Every string schema inside `schema` (object fields, arrays, records' keys and values, unions, defaults). */
function stringSchemas(schema: unknown, path: string, found: [string, z.ZodMiniType][], depth = 0) {
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
  if (!def || depth > 8) return;
  if (def.type === 'string') found.push([path, schema as z.ZodMiniType]);
  if (def.type === 'object') {
    for (const [key, value] of Object.entries(def.shape as Record<string, unknown>)) {
      stringSchemas(value, `${path}.${key}`, found, depth + 1);
    }
  }
  if (def.type === 'record') {
    stringSchemas(def.keyType, `${path}[key]`, found, depth + 1);
    stringSchemas(def.valueType, `${path}[value]`, found, depth + 1);
  }
  for (const inner of ['innerType', 'element', 'in']) stringSchemas(def[inner], path, found, depth + 1);
  if (Array.isArray(def.options))
    for (const option of def.options) stringSchemas(option, path, found, depth + 1);
}

describe('the one string definition', () => {
  it.each([
    ['NUL', 'a\u0000b', false],
    ['a lone high surrogate', 'a\ud800b', false],
    ['a lone low surrogate', '\udc00', false],
    ['a high surrogate at the end', 'a\ud83d', false],
    ['an emoji (a surrogate pair)', 'a😀b', true],
    ['plain text', 'Hello', true],
  ])('%s → %s', (_, value, ok) => {
    expect(isStorableText(value)).toBe(ok);
    expect(z.safeParse(storableString(), value).success).toBe(ok);
  });

  it('is what every string of every request schema is built on', () => {
    const found: [string, z.ZodMiniType][] = [];
    for (const [exportName, schema] of Object.entries(contract)) {
      // errorBody is a response; everything else named like a request is one.
      if (requestSchemaName.test(exportName) && exportName !== 'errorBody')
        stringSchemas(schema, exportName, found);
    }
    expect(found.length).toBeGreaterThan(40);
    const admitsNul = found.filter(([, schema]) => {
      // Formats (uuid, email, url, dates) refuse NUL by their pattern; every plain string by `storable`.
      return ['a\u0000', 'a\ud800'].some((value) => z.safeParse(schema, value).success);
    });
    expect(admitsNul.map(([path]) => path)).toEqual([]);
  });
});

describe('visible text', () => {
  it.each(['\u200b', '\u200c\u200d', '\ufeff', '\u2060', '\u00ad', '\u3164', ' \t\n', '\u180e'])(
    'a name of only %j is empty',
    (value) => {
      expect(hasVisibleText(value)).toBe(false);
      const issues = z.safeParse(name(), value).error?.issues ?? [];
      expect(issues).toHaveLength(1);
    },
  );

  it('keeps invisible characters inside a visible name', () => {
    expect(z.parse(name(), ' Jo\u200dhn ')).toBe('Jo\u200dhn');
    expect(z.parse(name(), '👩‍💻')).toBe('👩‍💻');
  });
});

describe('dates and time zones', () => {
  it.each(['2026-02-30', '2026-13-45', '0000-01-01', '2023-02-29', '26-01-01', 'yesterday'])(
    'refuses the date %s with one issue',
    (value) => {
      expect(z.safeParse(calendarDate, value).error?.issues).toHaveLength(1);
    },
  );

  it('accepts real dates from 0001 to 9999, leap days included', () => {
    for (const value of ['0001-01-01', '2024-02-29', '9999-12-31'])
      expect(z.parse(calendarDate, value)).toBe(value);
    expect(z.safeParse(instant, '0000-01-01T00:00:00Z').success).toBe(false);
    expect(z.safeParse(instant, '2026-02-30T00:00:00Z').success).toBe(false);
    expect(z.parse(instant, '2026-03-01T09:00:00+01:00')).toBe('2026-03-01T09:00:00+01:00');
  });

  // Every date or instant a request carries is the checked one: a chat action `book_slot` took year 0000, and
  // an agent's holidays did, while the lists' filters refused it.
  it('is what every date and instant of every request schema is built on', () => {
    const found: [string, z.ZodMiniType][] = [];
    for (const [exportName, schema] of Object.entries(contract)) {
      if (requestSchemaName.test(exportName) && exportName !== 'errorBody')
        stringSchemas(schema, exportName, found);
    }
    const dated = found.filter(([, schema]) =>
      ['date', 'datetime'].includes(
        String((schema as { _zod: { def: { format?: unknown } } })._zod.def.format),
      ),
    );
    expect(dated.map(([path]) => path)).toEqual(
      expect.arrayContaining(['chatRequest.action.start', 'agentCreate.handoff.hours.holidays']),
    );
    const admitsYearZero = dated.filter(([, schema]) =>
      ['0000-01-01', '0000-01-01T00:00:00Z'].some((value) => z.safeParse(schema, value).success),
    );
    expect(admitsYearZero.map(([path]) => path)).toEqual([]);
  });

  it('refuses a book_slot action in year 0000 and takes a real instant', () => {
    expect(
      z.safeParse(contract.chatAction, { type: 'book_slot', start: '0000-01-01T00:00:00Z' }).success,
    ).toBe(false);
    expect(
      z.safeParse(contract.chatAction, { type: 'book_slot', start: '2026-02-30T09:00:00Z' }).success,
    ).toBe(false);
    expect(z.parse(contract.chatAction, { type: 'book_slot', start: '2026-03-02T09:00:00Z' })).toEqual({
      type: 'book_slot',
      start: '2026-03-02T09:00:00Z',
    });
  });

  it.each(['+01:00', '-05', '../etc/passwd', 'Europe/Madrid\u0000'])('refuses the zone %j', (tz) => {
    expect(z.safeParse(timeZone, tz).success).toBe(false);
  });

  it.each(['Europe/Madrid', 'UTC', 'America/Argentina/Buenos_Aires', 'Etc/GMT+1'])(
    'accepts the zone %s',
    (tz) => {
      expect(z.parse(timeZone, tz)).toBe(tz);
    },
  );
});

describe('request bodies', () => {
  it('refuse unknown keys, at any depth, naming them', () => {
    const top = z.safeParse(agentCreate, { name: 'x', langauge: 'en' }).error?.issues;
    expect(top).toMatchObject([{ code: 'unrecognized_keys', keys: ['langauge'], path: [] }]);
    const nested = z.safeParse(agentCreate, { name: 'x', rateLimits: { perMinute: 5 } }).error?.issues;
    expect(nested).toMatchObject([{ code: 'unrecognized_keys', keys: ['perMinute'], path: ['rateLimits'] }]);
    const batch = z.safeParse(knowledgeCreateBody, { items: [{ title: 'T', content: 'C', tag: 'x' }] });
    expect(batch.error?.issues).toMatchObject([{ code: 'unrecognized_keys', path: ['items', 0] }]);
  });

  it('while responses stay loose: a field added later never breaks an older client', () => {
    const theme = { accentColor: '#4f46e5', position: 'right', mode: 'auto', added: 'later' };
    expect(z.safeParse(contract.agentTheme, theme).success).toBe(true);
  });
});
