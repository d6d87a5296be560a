// No regular expression in code that reads a visitor's, a model's, a document's or a provider's text may backtrack
// super-linearly: one such pattern holds the event loop (on Supabase the step is killed after 2 s of CPU; on a
// self-hosted server every tenant waits). Every pattern of the edge functions and the packages' sources is found
// with TypeScript's parser and judged by recheck (https://makenowjust-labs.github.io/recheck/); a pattern it calls
// vulnerable, or one built at run time, fails the test unless ALLOWED below says why it is safe.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: strings here quote the code of patterns built at run time
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { check, type Diagnostics } from 'recheck';
import { describe, expect, it } from 'vitest';
import { type FoundRegex, regexesIn, regexesInText, sourceFiles } from './helpers/regexSources.ts';

const root = join(import.meta.dirname, '../..');

/**
 * Patterns allowed although recheck cannot call them safe, each with the reason it is. `file` and `pattern` name it:
 * `pattern` is the source of a literal pattern (as recheck reports it) or, for a pattern built at run time, the code
 * that builds it. `examples` are the patterns it builds in practice: they are checked like any other.
 * To add an entry, prove the pattern safe (input length capped before the match, and the time measured at that cap;
 * or the pattern's parts are our own constants) and say so in `reason`.
 */
const ALLOWED: { file: string; pattern: string; reason: string; examples?: [string, string][] }[] = [
  {
    file: 'supabase/functions/_shared/http/methods.ts',
    pattern: 'new RegExp(`^${source}$`)',
    reason:
      'Built from the app’s own route paths (code, not input): each `:param` is `[^/]+`, which stops at `/`, and the ' +
      'only wildcard routes are `*` alone (a single `.*` anchored at both ends).',
    examples: [
      ['^/chat/agents/[^/]+/knowledge$', ''],
      ['^/chat/.*$', ''],
    ],
  },
  {
    file: 'supabase/functions/_shared/knowledge/extract/nesting.ts',
    pattern: "new RegExp(`</${name}`, 'gi')",
    reason: 'A literal end tag (`</script`) from the constant RAW_TEXT set: no quantifier at all.',
    examples: [['</script', 'gi']],
  },
  {
    file: 'supabase/functions/_shared/kommo/oauth.ts',
    pattern: "new RegExp(`^([a-z0-9][a-z0-9-]{0,62})\\\\.${baseDomain.replaceAll('.', '\\\\.')}$`)",
    reason:
      'The base domain is the deployment’s setting (KOMMO_BASE_DOMAIN, dots escaped); the one quantifier is bounded.',
    examples: [['^([a-z0-9][a-z0-9-]{0,62})\\.kommo\\.com$', '']],
  },
];

/**
 * recheck's settings. Its time limits are lifted for the steps inside one check (incubation, seeding, attack) so a
 * busy CI machine cannot change a verdict; the step-count limits (its defaults) bound the work instead, and one check
 * may take two minutes (the slowest takes 5 s on an idle machine) before it is reported unknown, which fails too.
 */
const PARAMETERS = { timeout: 120_000, incubationTimeout: null, seedingTimeout: null, attackTimeout: null };

const isAllowed = (found: FoundRegex) =>
  ALLOWED.some(
    (entry) => found.where.startsWith(`${entry.file}:`) && entry.pattern === (found.dynamic ?? found.source),
  );

/** Why the pattern fails, or null when recheck calls it safe. */
function verdict(
  found: { where: string; source: string; flags: string },
  result: Diagnostics,
): string | null {
  const pattern = `${found.where} /${found.source}/${found.flags}`;
  if (result.status === 'safe') return null;
  if (result.status === 'vulnerable')
    return `${pattern}: ${result.complexity.summary}, e.g. ${result.attack.pattern}`;
  return `${pattern}: could not be judged (${result.error.kind})`;
}

async function judge(found: FoundRegex[]): Promise<string[]> {
  const failures: string[] = [];
  for (const regex of found) {
    if (regex.source === undefined || regex.flags === undefined) continue;
    const failure = verdict(
      { where: regex.where, source: regex.source, flags: regex.flags },
      await check(regex.source, regex.flags, PARAMETERS),
    );
    if (failure) failures.push(failure);
  }
  return failures;
}

async function everyRegex(): Promise<FoundRegex[]> {
  const packages = await readdir(join(root, 'packages'));
  const dirs = [
    join(root, 'supabase/functions'),
    ...packages.map((name) => join(root, 'packages', name, 'src')),
  ];
  const files = (await Promise.all(dirs.map(sourceFiles))).flat();
  return (await Promise.all(files.map((file) => regexesIn(file, root)))).flat();
}

describe('regular expressions that read input', () => {
  it('are found in literals, RegExp calls and string patterns, constants resolved', async () => {
    const found = regexesInText(
      [
        "const start = '^[\\\\s]*';",
        'const a = /x+y/gu;',
        "const b = new RegExp(`${start}(hi|hey)`, 'iu');",
        "const c = RegExp('a' + 'b*');",
        "const d = text.match('a+$');",
        'const e = new RegExp(`^${input}$`);',
      ].join('\n'),
      'example.ts',
    );
    expect(found).toEqual([
      { where: 'example.ts:2', source: 'x+y', flags: 'gu' },
      { where: 'example.ts:3', source: '^[\\s]*(hi|hey)', flags: 'iu' },
      { where: 'example.ts:4', source: 'ab*', flags: '' },
      { where: 'example.ts:5', source: 'a+$', flags: '' },
      { where: 'example.ts:6', dynamic: 'new RegExp(`^${input}$`)' },
    ]);
  });

  it('flag a pattern that backtracks (the ATX heading pattern that held a reader for an hour)', async () => {
    const found = regexesInText('const heading = /^(\\s*)#+(.*?)\\s*#*\\s*$/.exec(line);', 'reader.ts');
    const [failure] = await judge(found);
    expect(failure).toMatch(
      /^reader\.ts:1 \/\^\(\\s\*\)#\+\(\.\*\?\)\\s\*#\*\\s\*\$\/: \d\w* degree polynomial, e\.g\. /,
    );
  });

  it('none backtracks super-linearly, and none is built from input', { timeout: 15 * 60_000 }, async () => {
    const found = await everyRegex();
    // Both trees are read, .tsx included.
    expect(found).toContainEqual({
      where: expect.stringMatching(/^supabase\/functions\/_shared\/http\/pagination\.ts:\d+$/),
      source: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
      flags: '',
    });
    expect(found).toContainEqual({
      where: expect.stringMatching(/^packages\/widget\/src\/ui\/LeadForm\.tsx:\d+$/),
      source: '^[^\\s@]+@(?=[^\\s@]*$)[^\\s@]+\\.[^\\s@]{2,}$',
      flags: '',
    });
    const dynamic = found.filter((regex) => regex.dynamic !== undefined && !isAllowed(regex));
    expect(dynamic.map((regex) => `${regex.where} ${regex.dynamic}`)).toEqual([]);
    const failures = await judge(found.filter((regex) => !isAllowed(regex)));
    const examples = ALLOWED.flatMap((entry) =>
      (entry.examples ?? []).map(([source, flags]) => ({ where: entry.file, source, flags })),
    );
    failures.push(...(await judge(examples)));
    expect(failures).toEqual([]);
    // An entry that no longer names a pattern of the code is removed, not kept as a silent exception.
    const stale = ALLOWED.filter(
      (entry) =>
        !found.some(
          (regex) =>
            regex.where.startsWith(`${entry.file}:`) && entry.pattern === (regex.dynamic ?? regex.source),
        ),
    );
    expect(stale.map((entry) => `${entry.file} ${entry.pattern}`)).toEqual([]);
  });
});
