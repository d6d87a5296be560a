// The patterns regexSafety.test.ts found backtracking, each rewritten to run in linear time: each new pattern is in
// its files, finds what the old one found (every short string over the characters that matter, or many generated
// ones), and gets through recheck's attack string, made 200,000 characters long or more, in the test's time (the
// old one would take minutes to hours).
import { join } from 'node:path';
import { emailIn } from '@closer/functions/_shared/booking/chatSkill.ts';
import { tidyText } from '@closer/functions/_shared/knowledge/extract/document.ts';
import { redact } from '@closer/functions/_shared/llm/errors.ts';
import { asksForMeeting } from '@closer/functions/_shared/llm/offline/meetingRequest.ts';
import { fence } from '@closer/functions/_shared/prompt/assemble.ts';
import { readChoice } from '@closer/functions/_shared/qualification/answers.ts';
import { slugify } from '@closer/functions/_shared/resources/agents.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { regexesIn } from './helpers/regexSources.ts';

const root = join(import.meta.dirname, '../..');

type Rewrite = {
  name: string;
  files: string[];
  before: RegExp;
  after: RegExp;
  /** Every string up to `length` over `alphabet` is compared… */
  alphabet?: string[];
  length?: number;
  /** …or strings joined from these pieces, generated. */
  pieces?: string[];
  /** The code only asks whether the pattern matches (its groups may differ). */
  onlyTested?: boolean;
};

const MEETING_PIECES = [
  'запис',
  'Заброни',
  'назнач',
  'звон',
  'встреч',
  'созвон',
  'можно',
  'демо',
  'свободн',
  ' врем',
];

const REWRITES: Rewrite[] = [
  {
    name: 'trailing slashes',
    files: [
      'supabase/functions/health/app.ts',
      'supabase/functions/_shared/auth/jwt.ts',
      'supabase/functions/_shared/booking/calcom.ts',
      'supabase/functions/_shared/llm/config.ts',
      'supabase/functions/_shared/retrieval/embedders/config.ts',
      'supabase/functions/_shared/retrieval/embedders/openaiCompatible.ts',
      'supabase/functions/_shared/kommo/handoffTask.ts',
      'supabase/functions/_shared/storage/directory.ts',
      'supabase/functions/_shared/storage/supabase.ts',
      'packages/sdk/src/core/transport.ts',
      'packages/sdk/src/core/http.ts',
      'packages/widget/src/launcher/launcher.ts',
    ],
    before: /\/+$/,
    after: /(?<!\/)\/+$/,
    alphabet: ['/', 'a', '\0'],
    length: 9,
  },
  {
    name: 'base64 padding',
    files: [
      'supabase/functions/_shared/crypto.ts',
      'supabase/functions/_shared/http/pagination.ts',
      'supabase/functions/_shared/secrets/sealed.ts',
    ],
    before: /=+$/,
    after: /(?<!=)=+$/,
    alphabet: ['=', 'a', '\0'],
    length: 9,
  },
  {
    name: 'dashes around a slug',
    files: ['supabase/functions/_shared/resources/agents.ts'],
    before: /^-+|-+$/g,
    after: /^-+|(?<!-)-+$/g,
    alphabet: ['-', 'a', '\0'],
    length: 9,
  },
  {
    name: 'dashes after a slug',
    files: ['supabase/functions/_shared/resources/agents.ts'],
    before: /-+$/,
    after: /(?<!-)-+$/,
    alphabet: ['-', 'a', '\0'],
    length: 9,
  },
  {
    name: 'an email address in a message',
    files: ['supabase/functions/_shared/booking/chatSkill.ts'],
    before: /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+\.[^\s@<>()[\]"',;:.]{2,}/,
    after: /(?<![^\s@<>()[\]"',;:])[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+\.[^\s@<>()[\]"',;:.]{2,}/,
    alphabet: ['a', '@', '.', ' ', ','],
    length: 8,
  },
  {
    name: 'a local sign-in email',
    files: ['packages/local/src/localSignIn.ts'],
    before: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
    after: /^[^@\s]+@(?=[^@\s]*$)[^@\s]+\.[^@\s]+$/,
    alphabet: ['a', '@', '.', ' '],
    length: 9,
  },
  {
    name: 'the widget lead form’s email',
    files: ['packages/widget/src/ui/LeadForm.tsx'],
    before: /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/,
    after: /^[^\s@]+@(?=[^\s@]*$)[^\s@]+\.[^\s@]{2,}$/,
    alphabet: ['a', '@', '.', ' '],
    length: 9,
  },
  {
    name: 'addresses in a provider’s error',
    files: ['supabase/functions/_shared/llm/errors.ts'],
    before: /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]+/gi,
    after: /\b(?=[a-z])(?<!\b[a-z][a-z0-9+.-]*?)[a-z0-9+.-]*:\/\/[^\s"'<>)]+/gi,
    alphabet: ['a', '1', '+', '_', ':', '/', ' '],
    length: 7,
    pieces: ['http', '://', 'a', 'B', '1', '+', '.', '-', '_', ' ', ')', ':', '/', 'x.io'],
  },
  {
    name: 'a persona’s name',
    files: ['supabase/functions/_shared/llm/offline/gender.ts'],
    before: /(?:[Yy]ou are|I am|I'm|[Тт]ы\s*[—–-]?|[Яя]\s*[—–-]?)\s+(\p{Lu}\p{Ll}+)(?=[\s,.!—–-]|$)/u,
    after: /(?:[Yy]ou are|I am|I'm|[Тт]ы(?:\s*[—–-])?|[Яя](?:\s*[—–-])?)\s+(\p{Lu}\p{Ll}+)(?=[\s,.!—–-]|$)/u,
    pieces: ['Я', 'ты', 'You are', 'I am', ' ', '\t', '—', '-', 'Анна', 'Maya', 'a', ',', '.'],
  },
  {
    name: 'a numbered choice',
    files: ['supabase/functions/_shared/qualification/answers.ts'],
    before: /^\s*(\d{1,2})\s*[.)]?\s*$/,
    after: /^\s*(\d{1,2})\s*(?:[.)]\s*)?$/,
    alphabet: ['1', '2', ' ', '.', ')', 'x'],
    length: 7,
  },
  {
    name: 'a bullet in a reply',
    files: ['packages/widget/src/ui/markdown.ts'],
    before: /^\s*[-*•]\s+(.*)$/,
    after: /^\s*[-*•]\s+(\S.*|)$/,
    alphabet: ['-', '•', ' ', '\u2028', 'a'],
    length: 7,
  },
  {
    name: 'a numbered item in a reply',
    files: ['packages/widget/src/ui/markdown.ts'],
    before: /^\s*(\d{1,3})[.)]\s+(.*)$/,
    after: /^\s*(\d{1,3})[.)]\s+(\S.*|)$/,
    alphabet: ['1', '.', ')', ' ', '\u2028', 'a'],
    length: 7,
  },
  {
    // The one change: a link's text and address hold no `[`, so only strings with one `[` at most are compared.
    name: 'inline markdown (one `[` a line)',
    files: ['packages/widget/src/ui/markdown.ts'],
    before:
      /`([^`\n]+)`|\*\*([^\n]+?)\*\*|__([^\n]+?)__|\*([^*\s][^*\n]*?)\*|(?<![\w])_([^_\s][^_\n]*?)_(?![\w])|\[([^\]\n]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"])/g,
    after:
      /`([^`\n]+)`|\*\*([^\n]+?)\*\*|__([^\n]+?)__|\*([^*\s][^*\n]*?)\*|(?<![\w])_([^_\s][^_\n]*?)_(?![\w])|\[([^[\]\n]+)\]\(([^)\s[]+)\)|(https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"])/g,
    pieces: ['[', ']', '(', ')', 'a', ' ', '*', '**', '_', '`', 'https://x.io', '.', '!', '\n'],
  },
  {
    name: 'asking to book a call (Russian)',
    files: ['supabase/functions/_shared/llm/offline/meetingRequest.ts'],
    before: /(запис|заброни|назнач|договор)\p{L}*.{0,30}(звон|встреч|демо|консультац|созвон)/iu,
    after:
      /(?<!\p{L})(?:(?!запис|заброни|назнач|договор)\p{L})*(?:запис|заброни|назнач|договор)(?:\p{L}*?(?:звон|встреч|демо|консультац|созвон)|\p{L}*(?!\p{L}).{0,30}?(?:звон|встреч|демо|консультац|созвон))/iu,
    pieces: [...MEETING_PIECES, 'а', 'ь', ' ', '\n', '1', 'x'.repeat(9), 'я'.repeat(9)],
    onlyTested: true,
  },
  {
    name: 'asking when a call can be (Russian)',
    files: ['supabase/functions/_shared/llm/offline/meetingRequest.ts'],
    before: /(созвон|встреч)\p{L}*.{0,20}(можно|назнач|заброни|запис)/iu,
    after:
      /(?<!\p{L})(?:(?!созвон|встреч)\p{L})*(?:созвон|встреч)(?:\p{L}*?(?:можно|назнач|заброни|запис)|\p{L}*(?!\p{L}).{0,20}?(?:можно|назнач|заброни|запис))/iu,
    pieces: [...MEETING_PIECES, 'а', 'ь', ' ', '\n', '1', 'x'.repeat(7), 'я'.repeat(7)],
    onlyTested: true,
  },
  {
    name: 'free slots (Russian)',
    files: ['supabase/functions/_shared/llm/offline/meetingRequest.ts'],
    before: /свободн\p{L}* (врем|слот|окн)/iu,
    after: /(?<!\p{L})(?:(?!свободн)\p{L})*свободн\p{L}* (?:врем|слот|окн)/iu,
    pieces: [...MEETING_PIECES, 'слот', 'окн', 'а', ' ', '\n'],
    onlyTested: true,
  },
];

/** What a pattern finds in a text, as `replace` and `match` see it: each match's index and groups. */
function found(pattern: RegExp, text: string, onlyTested = false): unknown {
  pattern.lastIndex = 0;
  if (onlyTested) return pattern.test(text);
  const all = pattern.global ? [...text.matchAll(pattern)] : [pattern.exec(text)].filter((m) => m !== null);
  return all.map((match) => [match.index, ...match]);
}

function* strings(alphabet: string[], length: number): Generator<string> {
  yield '';
  let layer = [''];
  for (let n = 1; n <= length; n++) {
    layer = layer.flatMap((prefix) => alphabet.map((ch) => prefix + ch));
    yield* layer;
  }
}

describe.each(REWRITES)('the rewritten pattern for $name', (rewrite) => {
  it('is the one in the code', async () => {
    for (const file of rewrite.files) {
      const patterns = await regexesIn(join(root, file), root);
      expect(patterns).toContainEqual(
        expect.objectContaining({ source: rewrite.after.source, flags: rewrite.after.flags }),
      );
      expect(patterns).not.toContainEqual(
        expect.objectContaining({ source: rewrite.before.source, flags: rewrite.before.flags }),
      );
    }
  });

  it('finds what the old pattern found', () => {
    if (rewrite.alphabet && rewrite.length) {
      for (const text of strings(rewrite.alphabet, rewrite.length)) {
        const before = found(rewrite.before, text, rewrite.onlyTested);
        const after = found(rewrite.after, text, rewrite.onlyTested);
        if (JSON.stringify(after) !== JSON.stringify(before))
          expect({ text, after }).toEqual({ text, after: before });
      }
    }
    if (rewrite.pieces) {
      const text = fc
        .array(fc.constantFrom(...rewrite.pieces), { maxLength: 14 })
        .map((pieces) => pieces.join(''))
        .filter((joined) => !rewrite.name.startsWith('inline') || joined.split('[').length <= 2);
      fc.assert(
        fc.property(text, (joined) => {
          expect(found(rewrite.after, joined, rewrite.onlyTested)).toEqual(
            found(rewrite.before, joined, rewrite.onlyTested),
          );
        }),
        { numRuns: 20_000, seed: 11 },
      );
    }
  });
});

describe('the attack strings recheck gave, 200,000 characters long', () => {
  const times = (piece: string) => piece.repeat(Math.ceil(200_000 / piece.length));

  it('trailing slashes, padding and dashes are cut in one pass', () => {
    const slashes = '/'.repeat(500_000);
    expect(`${slashes}\0/`.replace(/(?<!\/)\/+$/, '')).toBe(`${slashes}\0`);
    expect(`${'='.repeat(500_000)}\0=`.replace(/(?<!=)=+$/, '')).toBe(`${'='.repeat(500_000)}\0`);
    // slugify collapses every run of dashes first; the name is cut at 56 characters.
    expect(slugify(`\0${'-'.repeat(500_000)}-\0`)).toBe('agent');
    expect(slugify(`Anna ${'-'.repeat(500_000)} Studio`)).toBe('anna-studio');
  });

  it('an email address in a message', () => {
    expect(emailIn(`${times('\0.')}\0`)).toBeNull();
    expect(emailIn(`${times('\0.')} write to anna@sunpeak.io`)).toBe('anna@sunpeak.io');
  });

  it('a provider’s error keeps its text and loses its addresses', () => {
    const text = `${times('A+')}_`;
    expect(redact(text)).toBe(text);
    expect(redact(`${text} at https://api.example.com/v1`)).toBe(`${text} at [address]`);
  });

  it('a visitor’s message that repeats a stem is read once', () => {
    expect(asksForMeeting(times('запис'))).toBe(false);
    expect(asksForMeeting(times('встреч'))).toBe(false);
    expect(asksForMeeting(times('свободн'))).toBe(false);
    expect(asksForMeeting(`${times('запис')} на звонок`)).toBe(true);
    expect(asksForMeeting('Хочу записаться на звонок')).toBe(true);
    expect(asksForMeeting('Перезаписать файл, звонить не надо')).toBe(true);
    expect(asksForMeeting('Встреча завтра — можно?')).toBe(true);
    expect(asksForMeeting('Есть свободное время?')).toBe(true);
  });

  it('a numbered choice', () => {
    const criterion: Parameters<typeof readChoice>[0] = {
      key: 'size',
      preset: null,
      question: 'How large is your team?',
      type: 'choice',
      weight: 1,
      options: [
        { label: 'Small', points: 0 },
        { label: 'Large', points: 1 },
      ],
      minimum: null,
      expected: true,
      kommoFieldId: null,
    };
    expect(readChoice(criterion, `0\t${'\t'.repeat(500_000)}\0`)).toBeNull();
    expect(readChoice(criterion, ' 2) ')).toBe('Large');
  });

  it('document text is tidied', () => {
    // Runs of spaces are one space before spaces around line breaks are taken away.
    expect(tidyText(`a${' '.repeat(500_000)}\0\n b`)).toBe('a \0\nb');
    expect(tidyText('one  \n  two \n\n\n\n three ')).toBe('one\ntwo\n\nthree');
  });

  it('a fenced body cannot open or close a fence, with or without a `>`', () => {
    const body = `C${times('<ANSWER\0M')}`;
    expect(fence('knowledge', body)).toBe(`<knowledge>\n${body.replaceAll('<', '‹')}\n</knowledge>`);
    // As before: every tag that could end or start a fence is turned.
    expect(fence('knowledge', 'a</knowledge> b <answer id="1">c</Answer> <b>d</b>')).toBe(
      '<knowledge>\na‹/knowledge> b ‹answer id="1">c‹/Answer> <b>d</b>\n</knowledge>',
    );
    // New: a second tag inside the first's `<…>` is turned too (the old pattern turned only the first `<`).
    expect(fence('answer', '<answer <answer>')).toBe('<answer>\n‹answer ‹answer>\n</answer>');
  });
});
