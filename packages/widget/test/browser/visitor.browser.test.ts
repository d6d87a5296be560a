// What visitors type and read: Enter never sends half-composed IME text in any browser's event order, text in
// any script lays out in its own direction, failures say whose they are, and the lead form never hides the
// conversation (issue 12, parts 2 and 4). The model is a stand-in OpenAI-compatible server.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type Stack, sendAndWait, sitePage, startStack } from './stack.ts';
import { type StandInModel, startStandInModel } from './standInModel.ts';

let stack: Stack;
let model: StandInModel;
beforeAll(async () => {
  model = await startStandInModel();
  stack = await startStack({
    env: { LLM_BASE_URL: model.url, LLM_MODEL: 'stand-in' },
    routes: (app, s) => app.get('/test/plain', (c) => c.html(sitePage(s().tag()))),
  });
});
afterAll(async () => {
  await stack?.close();
  await model?.close();
});

async function openChat(viewport?: { width: number; height: number }) {
  const opened = await openPage(stack.browser, `${stack.base}/test/plain`, viewport ? { viewport } : {});
  await opened.tab.locator('closer-chat .bubble').click();
  await opened.tab.locator('closer-chat #closer-input').waitFor();
  return opened;
}

/** Counts the page's POST /chat requests. */
function chatPosts(tab: Page) {
  const seen: string[] = [];
  tab.on('request', (request) => {
    if (request.method() === 'POST' && /\/functions\/v1\/chat$/.test(request.url())) seen.push(request.url());
  });
  return seen;
}

type Step = ['compositionstart' | 'compositionend'] | ['keydown', { isComposing: boolean; keyCode: number }];

/** Replays an IME's events on the composer in one task, as a browser would deliver them. */
const replay = (tab: Page, text: string, steps: Step[]) =>
  tab.evaluate(
    ({ text, steps }) => {
      const input = document.querySelector('closer-chat')!.shadowRoot!.querySelector('textarea')!;
      input.focus();
      input.value = text;
      const keyCodes: number[] = [];
      for (const [type, init] of steps) {
        if (type === 'keydown') {
          const event = new KeyboardEvent('keydown', {
            key: 'Enter',
            bubbles: true,
            cancelable: true,
            composed: true,
            ...init,
          });
          keyCodes.push(event.keyCode);
          input.dispatchEvent(event);
        } else input.dispatchEvent(new CompositionEvent(type, { bubbles: true, data: text }));
      }
      return keyCodes;
    },
    { text, steps },
  );

describe('Enter while an input method is composing', () => {
  const orders: [string, Step[]][] = [
    // Safari: the composition ends first, then Enter arrives with isComposing false and keyCode 229.
    ['Safari', [['compositionstart'], ['compositionend'], ['keydown', { isComposing: false, keyCode: 229 }]]],
    // Older WebKit and some Android keyboards: compositionend, then a plain Enter in the same task.
    [
      'compositionend then Enter 13',
      [['compositionstart'], ['compositionend'], ['keydown', { isComposing: false, keyCode: 13 }]],
    ],
    // Chrome and Firefox: Enter while composing, then the composition ends.
    [
      'Chrome/Firefox',
      [['compositionstart'], ['keydown', { isComposing: true, keyCode: 229 }], ['compositionend']],
    ],
    // A keyboard that reports only keyCode 229, no composition events.
    ['keyCode 229 alone', [['keydown', { isComposing: false, keyCode: 229 }]]],
  ];

  it.each(orders)('never sends half-composed text (%s order)', async (_, steps) => {
    const { tab } = await openChat();
    const posts = chatPosts(tab);
    const keyCodes = await replay(tab, 'にほんご', steps);
    expect(keyCodes.every((code) => code === 229 || code === 13)).toBe(true);
    await tab.waitForTimeout(300);
    expect(posts).toEqual([]);
    expect(await tab.locator('closer-chat .msg.user').count()).toBe(0);
    expect(await tab.locator('closer-chat #closer-input').inputValue()).toBe('にほんご');
    // Once the composition is over, Enter sends what was composed.
    await tab.locator('closer-chat #closer-input').press('Enter');
    await tab.locator('closer-chat .msg.user', { hasText: 'にほんご' }).waitFor();
    expect(posts).toHaveLength(1);
    await tab.context().close();
  });
});

describe('text in its own direction', () => {
  it('lays out a Hebrew reply, Arabic typing and a Hebrew name right to left in an English widget', async () => {
    model.script.push({ kind: 'reply', text: 'כן, אנחנו מציעים מימון ל-12 חודשים.' });
    const { tab } = await openChat();
    await sendAndWait(tab, 'Do you offer financing?');
    const direction = (selector: string) =>
      tab
        .locator(selector)
        .last()
        .evaluate((el) => getComputedStyle(el).direction);
    expect(await direction('closer-chat .msg.assistant .text')).toBe('rtl');
    expect(await direction('closer-chat .msg.user .text')).toBe('ltr');
    expect(await tab.locator('closer-chat .root').getAttribute('dir')).toBe('ltr');
    await tab.locator('closer-chat #closer-input').fill('هل لديكم تمويل؟');
    expect(await direction('closer-chat #closer-input')).toBe('rtl');
    await tab.locator('closer-chat .footer-chip').click();
    await tab.locator('closer-chat #closer-lead-name').fill('דנה לוי');
    expect(await direction('closer-chat #closer-lead-name')).toBe('rtl');
    await tab.context().close();
  });
});

describe('failures say whose they are', () => {
  it('tells the visitor the assistant is busy when the model provider answers 429, not that they sent too much', async () => {
    model.script.push(
      { kind: 'status', status: 429, retryAfter: '7' },
      { kind: 'status', status: 429, retryAfter: '7' },
      { kind: 'status', status: 429, retryAfter: '7' },
    );
    const { tab } = await openChat();
    await tab.locator('closer-chat #closer-input').fill('How much could I save?');
    await tab.locator('closer-chat #closer-input').press('Enter');
    const alert = tab.locator('closer-chat .alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/The assistant is busy right now\. Try again in \d+ s\./);
    expect(await alert.textContent()).not.toMatch(/Too many messages/);
    model.script.length = 0;
    await tab.context().close();
  });

  it('tells a visitor over their own limit that they sent too many messages', async () => {
    await stack.db.query(
      `update public.agents set rate_limits = '{"visitorPerMinute":1,"ipPerMinute":60}' where id = $1`,
      [stack.agentId],
    );
    try {
      const { tab } = await openChat();
      await sendAndWait(tab, 'First question');
      await tab.locator('closer-chat #closer-input').fill('Second question');
      await tab.locator('closer-chat #closer-input').press('Enter');
      const alert = tab.locator('closer-chat .alert');
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/Too many messages\. Try again in \d+ s\./);
      await tab.context().close();
    } finally {
      await stack.db.query(`update public.agents set rate_limits = '{}' where id = $1`, [stack.agentId]);
    }
  });

  it('labels a reply the connection cut short as interrupted, not as stopped by the visitor', async () => {
    model.script.push({ kind: 'drop', text: 'We install the panels in about two days and then ' });
    const { tab } = await openChat();
    await tab.locator('closer-chat #closer-input').fill('How long does installation take?');
    await tab.locator('closer-chat #closer-input').press('Enter');
    const reply = tab.locator('closer-chat .msg.assistant[data-status="interrupted"]');
    await reply.waitFor();
    expect(await reply.locator('.note').textContent()).toBe('Interrupted: the reply was cut short');
    expect(await tab.locator('closer-chat .msg.assistant[data-status="stopped"]').count()).toBe(0);
    expect(await reply.textContent()).not.toMatch(/Stopped/);
    await tab.context().close();
  });
});

describe('the lead form while a reply streams', () => {
  it('keeps the question and the streaming reply in view', async () => {
    const { tab } = await openChat({ width: 390, height: 700 });
    await sendAndWait(tab, 'I would like a quote');
    await tab.locator('closer-chat .footer-chip').click();
    await tab.locator('closer-chat form.lead').waitFor();
    model.script.push({
      kind: 'reply',
      wordMs: 60,
      text: 'A typical home system of seven kilowatts costs about twenty thousand dollars before incentives, and the federal credit takes thirty percent off that price. Financing spreads the rest over up to twenty years with no money down, and most owners see the panels pay for themselves within eight to ten years.',
    });
    await tab.locator('closer-chat #closer-input').fill('And what about financing?');
    await tab.locator('closer-chat #closer-input').press('Enter');
    // Measured in the page once the streaming reply shows 25 words (1.5 s of this stream), while it still streams:
    // a pause here and a measurement afterwards missed the stream on a loaded machine (it had completed).
    const measured = await tab.waitForFunction(() => {
      const root = document.querySelector('closer-chat')!.shadowRoot!;
      const reply = root.querySelector('.msg.assistant[data-status="streaming"]');
      if (!reply || (reply.textContent ?? '').trim().split(/\s+/).length < 25) return null;
      const log = root.querySelector('.log')!.getBoundingClientRect();
      const visible = (el: Element | null | undefined) => {
        const box = el!.getBoundingClientRect();
        return Math.min(box.bottom, log.bottom) - Math.max(box.top, log.top);
      };
      const users = root.querySelectorAll('.msg.user');
      return {
        logHeight: log.height,
        question: visible(users[users.length - 1]),
        reply: visible(reply),
        form: root.querySelector('form.lead') !== null,
      };
    });
    const view = (await measured.jsonValue())!;
    expect(view.form).toBe(true);
    expect(view.logHeight).toBeGreaterThanOrEqual(140);
    expect(view.reply).toBeGreaterThan(20);
    expect(view.question).toBeGreaterThan(0);
    await tab.context().close();
  });
});

describe('a visitor erases their conversation', () => {
  it('asks first, then removes it on the server and starts afresh; cancelling keeps everything', async () => {
    const { tab } = await openChat();
    await sendAndWait(tab, 'Please delete me afterwards');
    const stored = () =>
      stack.db.query<{ id: string }>(
        `select c.id from public.conversations c join public.messages m on m.conversation_id = c.id
          where m.content = 'Please delete me afterwards'`,
      );
    expect(await stored()).toHaveLength(1);
    const erase = tab.locator('closer-chat button[aria-label="Delete this conversation"]');

    tab.once('dialog', (dialog) => void dialog.dismiss());
    await erase.click();
    expect(await stored()).toHaveLength(1);
    expect(await tab.locator('closer-chat .msg.user').count()).toBe(1);

    tab.once('dialog', (dialog) => void dialog.accept());
    await erase.click();
    await tab.locator('closer-chat .msg.user').first().waitFor({ state: 'detached' });
    expect(await stored()).toHaveLength(0);
    expect(await erase.count()).toBe(0);
    const saved = await tab.evaluate(() => JSON.stringify(localStorage));
    expect(saved).not.toContain('vt_');
    await tab.context().close();
  });
});
