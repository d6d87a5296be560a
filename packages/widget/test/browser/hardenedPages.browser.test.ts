// Pages that harden their JavaScript: Trusted Types enforced by the Content-Security-Policy, and prototypes
// frozen (SES lockdown, some wallets). The widget loads its panel and holds a conversation on each; where the
// page's own rules forbid it, the site owner is told which rule to add.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type Stack, sendAndWait, sitePage, startStack } from './stack.ts';

const csp = (policy: string) => `<meta http-equiv="Content-Security-Policy" content="${policy}">`;
const pages: Record<string, string> = {
  'trusted-types': csp("require-trusted-types-for 'script'"),
  'trusted-types-listing-closer': csp("require-trusted-types-for 'script'; trusted-types closer"),
  'trusted-types-without-closer': csp("require-trusted-types-for 'script'; trusted-types shop"),
  frozen: `<script>Object.freeze(Object.prototype); Object.freeze(Array.prototype);
    Object.freeze(Function.prototype); Object.freeze(Promise.prototype);</script>`,
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    routes: (app, s) =>
      app.get('/test/hardened/:name', (c) => c.html(sitePage(s().tag(), pages[c.req.param('name')]))),
  });
});
afterAll(async () => stack?.close());

async function chatOn(name: string) {
  const opened = await openPage(stack.browser, `${stack.base}/test/hardened/${name}`);
  await opened.tab.locator('closer-chat .bubble').click();
  return opened;
}

describe('a page that hardens its JavaScript', () => {
  it.each(['trusted-types', 'trusted-types-listing-closer', 'frozen'])(
    'loads the panel and holds a conversation: %s',
    async (name) => {
      const { tab, problems } = await chatOn(name);
      await tab.locator('closer-chat #closer-input').waitFor();
      const reply = await sendAndWait(tab, 'Do you install solar panels?');
      expect(reply.length).toBeGreaterThan(10);
      expect(problems).toEqual([]);
      await tab.context().close();
    },
  );

  it('tells the owner to allow the "closer" policy when the page’s trusted-types list leaves it out', async () => {
    const { tab, consoleErrors } = await chatOn('trusted-types-without-closer');
    await tab.locator('closer-chat .fallback').waitFor();
    expect(consoleErrors.join('\n')).toMatch(/Trusted Types policy "closer"/);
    await tab.context().close();
  });
});
