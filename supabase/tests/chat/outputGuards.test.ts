// The pure guards between a model's output and the wire/database: token counts, text sanitising and the
// ceiling, tool-argument reading, and delta coalescing (on a fake clock: no wall-clock asserts).
import { coalesceDeltas } from '@closer/functions/_shared/chat/coalesce.ts';
import { parseToolArguments } from '@closer/functions/_shared/chat/leads.ts';
import {
  preparingTurn,
  RELAY_INTERVAL_MS,
  relayIntervalMs,
  relayingReply,
} from '@closer/functions/_shared/chat/relayLoad.ts';
import { ReplyText, replyCharLimit, sanitizeText } from '@closer/functions/_shared/chat/replyText.ts';
import { MAX_TOKEN_COUNT, tokenCount } from '@closer/functions/_shared/llm/usage.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';

describe('tokenCount', () => {
  it.each([
    [120, 120],
    [0, 0],
    [1.5, 1],
    [-5, 0],
    [99999999999, MAX_TOKEN_COUNT],
    [Number.POSITIVE_INFINITY, MAX_TOKEN_COUNT],
    ['42', 42],
    ['12abc', null],
    ['', null],
    ['1e3', null],
    [Number.NaN, null],
    [null, null],
    [{ n: 1 }, null],
    [true, null],
  ])('reads %j as %j', (value, expected) => {
    expect(tokenCount(value)).toBe(expected);
  });
});

describe('reply text', () => {
  it('removes NUL and lone surrogates, keeps pairs and other control characters', () => {
    expect(sanitizeText('a\u0000b\uD800c\uDC00d😀\te')).toBe('abcd😀\te');
    expect(sanitizeText('plain')).toBe('plain');
  });

  it('derives the ceiling from maxTokens: × 8, at most 100,000', () => {
    expect(replyCharLimit(16)).toBe(128);
    expect(replyCharLimit(12_500)).toBe(100_000);
    expect(replyCharLimit(32_000)).toBe(100_000);
    expect(replyCharLimit(Number.NaN)).toBe(8);
  });

  it('holds a trailing high surrogate for the next piece and never cuts a pair at the ceiling', () => {
    const reply = new ReplyText(5);
    expect(reply.append('ab\uD83D')).toBe('ab');
    expect(reply.append('\uDE00cdef')).toBe('😀c');
    expect(reply.full).toBe(true);
    expect(reply.text).toBe('ab😀c');
    expect(reply.append('more')).toBe('');
    const edge = new ReplyText(3);
    edge.append('ab😀');
    expect(edge.text).toBe('ab');
  });

  it('counts only visible text as a reply', () => {
    const blank = new ReplyText(100);
    blank.append(' \n\u200B\uFEFF');
    expect(blank.visible).toBe(false);
    blank.append('.');
    expect(blank.visible).toBe(true);
  });
});

describe('parseToolArguments', () => {
  const ann = { name: 'Ann', phone: '+34 600' };
  const json = JSON.stringify(ann);
  it.each([
    ['whole', json, ann],
    ['empty', '', {}],
    ['{} then whole', `{}${json}`, ann],
    ['twice', `${json}${json}`, ann],
    ['two halves as objects', '{"name":"Ann"}{"phone":"+34 600"}', ann],
    ['cumulative', `{"name":"A{"name":"Ann","ph${json}`, ann],
    ['braces inside strings', '{"name":"A{n}"}{"phone":"+34 600"}', { name: 'A{n}', phone: '+34 600' }],
    ['garbage', 'not json', null],
    ['an array', '[1,2]', null],
  ])('reads %s', (_, text, expected) => {
    expect(parseToolArguments(text)).toEqual(expected);
  });
});

describe('coalesceDeltas', () => {
  afterEach(() => vi.useRealTimers());

  it('sends the first piece at once, gathers the rest for 30 ms, and flushes at 512 characters', () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    const deltas = coalesceDeltas((text) => sent.push(text));
    deltas.push('Hello');
    expect(sent).toEqual(['Hello']);
    deltas.push(' there');
    deltas.push(', friend');
    expect(sent).toEqual(['Hello']);
    vi.advanceTimersByTime(30);
    expect(sent).toEqual(['Hello', ' there, friend']);
    deltas.push('x'.repeat(600));
    expect(sent.at(-1)).toHaveLength(600);
    deltas.push('tail');
    deltas.flush();
    expect(sent.at(-1)).toBe('tail');
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(4);
  });

  it('gathers a running reply longer while turns are being prepared, never holding back its first piece', () => {
    vi.useFakeTimers();
    expect(relayIntervalMs()).toBe(RELAY_INTERVAL_MS.least);
    // Streams in flight but nobody waiting for a first token: the usual 30 ms.
    const relaying = Array.from({ length: 150 }, () => relayingReply());
    expect(relayIntervalMs()).toBe(RELAY_INTERVAL_MS.least);
    const preparing = Array.from({ length: 50 }, () => preparingTurn());
    expect(relayIntervalMs()).toBe(RELAY_INTERVAL_MS.most);
    const sent: string[] = [];
    const deltas = coalesceDeltas((text) => sent.push(text), { intervalMs: relayIntervalMs });
    deltas.push('First');
    expect(sent).toEqual(['First']);
    deltas.push(' second');
    vi.advanceTimersByTime(RELAY_INTERVAL_MS.least);
    expect(sent).toEqual(['First']);
    vi.advanceTimersByTime(RELAY_INTERVAL_MS.most - RELAY_INTERVAL_MS.least);
    expect(sent).toEqual(['First', ' second']);
    // Fewer in flight: a shorter wait; every turn prepared (ending twice counts once): 30 ms again.
    for (const end of relaying) end();
    expect(relayIntervalMs()).toBe(Math.round(30 + 220 * (50 / 200)));
    for (const end of [...preparing, ...preparing]) end();
    expect(relayIntervalMs()).toBe(RELAY_INTERVAL_MS.least);
    deltas.push(' third');
    vi.advanceTimersByTime(RELAY_INTERVAL_MS.least);
    expect(sent).toEqual(['First', ' second', ' third']);
    // Nothing is lost at the end, whatever the interval.
    deltas.push(' end');
    deltas.close();
    expect(sent.join('')).toBe('First second third end');
  });
});
