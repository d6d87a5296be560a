// Text in every language, beyond the messages: what the site owner wrote in another script than the widget's
// language (the agent's name, starter prompts, the consent line) keeps its own direction, a newline typed with
// Shift+Enter stays in the message, and an emoji at the length limit is never cut in half.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type Stack, sendAndWait, sitePage, startStack } from './stack.ts';

const NAME = 'שמש אנרגיה 2000';
const STARTER = 'כמה עולה התקנה?';
const CONSENT = 'أوافق على أن تتصل بي الشركة.';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    routes: (app, s) => app.get('/test/plain', (c) => c.html(sitePage(s().tag({ 'data-locale': 'en' })))),
  });
  await stack.db.query(
    `update public.agents set name = $1, starter_prompts = $2,
       lead_capture = jsonb_set(lead_capture, '{consentText}', to_jsonb($3::text)) where id = $4`,
    [NAME, [STARTER], CONSENT, stack.agentId],
  );
});
afterAll(async () => stack?.close());

async function openChat() {
  const opened = await openPage(stack.browser, `${stack.base}/test/plain`);
  await opened.tab.locator('closer-chat .bubble').click();
  await opened.tab.locator('closer-chat #closer-input').waitFor();
  return opened;
}

describe('an English widget with an owner who writes Hebrew and Arabic', () => {
  it('lays out the starter prompts and the consent line right to left, and isolates the agent’s name', async () => {
    const { tab } = await openChat();
    const direction = (selector: string) =>
      tab
        .locator(selector)
        .first()
        .evaluate((el) => getComputedStyle(el).direction);
    expect(await tab.locator('closer-chat .root').getAttribute('dir')).toBe('ltr');
    expect(await direction(`closer-chat .starters .chip >> text=${STARTER}`)).toBe('rtl');
    // The name sits in an English sentence: isolated, so "2000" stays with it and the sentence stays in order.
    const title = await tab.locator('closer-chat #closer-title').textContent();
    expect(title).toBe(`Chat with \u2068${NAME}\u2069`);
    await tab.locator(`closer-chat .starters .chip >> text=${STARTER}`).click();
    await tab.locator('closer-chat .msg.assistant[data-status="complete"]:not([data-greeting])').waitFor();
    await tab.waitForFunction(
      () =>
        !document.querySelector('closer-chat')?.shadowRoot?.querySelector('.msg[data-status="streaming"]'),
    );
    await tab.locator('closer-chat .footer-chip').click();
    expect(await direction('closer-chat .lead .consent')).toBe('rtl');
    await tab.context().close();
  });
});

describe('the composer', () => {
  it('puts a newline on Shift+Enter and sends both lines on Enter', async () => {
    const { tab } = await openChat();
    const input = tab.locator('closer-chat #closer-input');
    await input.pressSequentially('First line');
    await input.press('Shift+Enter');
    await input.pressSequentially('second line');
    expect(await input.inputValue()).toBe('First line\nsecond line');
    expect(await tab.locator('closer-chat .msg.user').count()).toBe(0);
    await input.press('Enter');
    const sent = tab.locator('closer-chat .msg.user .text').last();
    await sent.waitFor();
    expect(await sent.textContent()).toBe('First line\nsecond line');
    // Shown on two lines.
    expect(await sent.evaluate((el) => getComputedStyle(el).whiteSpace)).toMatch(
      /^(pre-wrap|pre-line|break-spaces)$/,
    );
    await tab.context().close();
  });

  it('never keeps half an emoji at the 4000-character limit, and the server takes what it shows', async () => {
    const { tab } = await openChat();
    const input = tab.locator('closer-chat #closer-input');
    await input.fill('a'.repeat(3999));
    await input.focus();
    await tab.keyboard.insertText('😀👍🏽');
    const value = await input.inputValue();
    expect(value.length).toBeLessThanOrEqual(4000);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)).toBe(false);
    const reply = await sendAndWait(tab, value);
    expect(reply.length).toBeGreaterThan(0);
    await tab.context().close();
  });
});
