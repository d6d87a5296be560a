// The agent's reply as Salesbot handlers: cut at sentence (else word) boundaries into `show` texts of at most 80
// characters, never more than the continue method's 10 handlers, and nothing of the reply lost or reordered.
import {
  MAX_HANDLERS,
  replyContinue,
  SHOW_MAX_CHARS,
  splitAtSentences,
} from '@closer/functions/_shared/kommo/salesbot/replyHandlers.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const normalised = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('splitting a reply for Salesbot', () => {
  it('cuts at sentence ends, joining short sentences up to 80 characters', () => {
    expect(
      splitAtSentences(
        'Hola. Sí, trabajamos en Valencia y Madrid. ¿En qué puedo ayudarle hoy? Tenemos tres planes distintos.',
      ),
    ).toEqual([
      'Hola. Sí, trabajamos en Valencia y Madrid. ¿En qué puedo ayudarle hoy?',
      'Tenemos tres planes distintos.',
    ]);
  });

  it('cuts a sentence longer than 80 characters at spaces, and a longer word where it must', () => {
    const pieces = splitAtSentences(
      `Смотрите ${'очень '.repeat(20)}длинное предложение и ${'x'.repeat(100)}`,
    );
    expect(pieces.every((p) => p.length <= SHOW_MAX_CHARS)).toBe(true);
    expect(pieces.at(-1)).toBe('x'.repeat(20));
  });

  it('keeps every word in order within the limits, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 1200, unit: 'grapheme' }), (text) => {
        const pieces = splitAtSentences(text);
        expect(pieces.every((p) => p.length > 0 && p.length <= SHOW_MAX_CHARS)).toBe(true);
        expect(pieces.join(' ').replace(/\s+/g, '')).toBe(normalised(text).replace(/\s+/g, ''));
        const body = replyContinue(text);
        expect(body.execute_handlers.length).toBeLessThanOrEqual(MAX_HANDLERS);
        for (const h of body.execute_handlers) {
          if (h.handler === 'show') expect(h.params.value.length).toBeLessThanOrEqual(SHOW_MAX_CHARS);
        }
        // Said in the chat, or carried whole in data.reply.
        const said =
          body.data.reply ?? body.execute_handlers.map((h) => ('value' in h.params ? h.params.value : ''));
        expect(typeof said === 'string' ? normalised(said) : normalised(said.join(' '))).toBe(
          normalised(text),
        );
      }),
    );
  });

  it('stays within 10 handlers and 80-character show texts for any reply and any reply shape', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 1500, unit: 'binary' }),
        fc.constantFrom<'auto' | 'data'>('auto', 'data'),
        fc.integer({ min: -5, max: 50 }),
        (text, mode, maxShows) => {
          const body = replyContinue(text, { mode, maxShows });
          expect(body.execute_handlers.length).toBeLessThanOrEqual(MAX_HANDLERS);
          for (const h of body.execute_handlers) {
            if (h.handler === 'show') {
              expect(h.params.value.length).toBeGreaterThan(0);
              expect(h.params.value.length).toBeLessThanOrEqual(SHOW_MAX_CHARS);
            }
          }
        },
      ),
    );
  });

  it('sends a reply that needs more than the allowed show handlers as data.reply', () => {
    const reply = 'Una frase bastante larga que ocupa casi todo el espacio de un mensaje corto. '.repeat(5);
    expect(replyContinue(reply, { mode: 'auto', maxShows: 4 })).toEqual({
      data: { status: 'answered', reply: reply.trim() },
      execute_handlers: [{ handler: 'goto', params: { type: 'question', step: 1 } }],
    });
    expect(replyContinue(reply, { mode: 'auto', maxShows: 9 }).execute_handlers).toHaveLength(5);
  });
});
