// A new user's first minutes in real Chromium against the real local stack: the one-time link, onboarding, the
// agent editor (the contract's and the server's field errors beside their fields, typed text kept), the install
// panel, and the widget from the copied script tag chatting on a page of another origin.
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, type ConsoleStack, openConsole, screenshotDir, startConsoleStack } from './stack.ts';

const shots = screenshotDir;
let stack: ConsoleStack;
let page: Page;
let problems: string[];
let agentId: string;

beforeAll(async () => {
  stack = await startConsoleStack();
  await mkdir(shots, { recursive: true });
  ({ page, problems } = await openConsole(stack.browser, stack.consoleLink('founder@sunny.example')));
});
afterAll(async () => stack?.close());

const field = (label: string) => page.getByLabel(label, { exact: true });
const errorOf = async (label: string) => {
  const id = (await field(label).getAttribute('aria-describedby')) ?? '';
  const error = id.split(' ').find((part) => part.endsWith('-error'));
  return error ? page.locator(`#${CSS.escape(error)}`).textContent() : null;
};
const CSS = { escape: (id: string) => id.replace(/:/g, '\\:') };

describe('from the printed link to a widget on my page', () => {
  it('signs in with the one-time link, takes it out of the address, and offers onboarding', async () => {
    await page.getByRole('heading', { name: 'Welcome to Closer' }).waitFor();
    expect(new URL(page.url()).search).toBe('');
    expect(await page.getByTestId('signed-in-as').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: `${shots}onboarding-1280.png`, fullPage: true });
  });

  it("shows the contract's errors beside the onboarding fields and creates the organisation and agent", async () => {
    await page.getByRole('button', { name: 'Create and continue' }).click();
    expect(await errorOf('Organisation name')).toBeTruthy();
    expect(await errorOf('Agent name')).toBeTruthy();
    expect(await field('Organisation name').getAttribute('aria-invalid')).toBe('true');
    await field('Organisation name').fill('Sunny Solar');
    await field('Agent name').fill('Ava');
    await field('Your website (optional)').fill('ftp://sunny.example');
    await page.getByRole('button', { name: 'Create and continue' }).click();
    expect(await errorOf('Your website (optional)')).toContain('must be an origin');
    expect(await field('Agent name').inputValue()).toBe('Ava');
    // A page address is fine: its origin is what gets allowed.
    await field('Your website (optional)').fill(`${stack.siteOrigin}/pricing?utm=1`);
    await page.getByRole('button', { name: 'Create and continue' }).click();
    await page.getByRole('tab', { name: 'Install', selected: true }).waitFor();
    const [agent] = await stack.db.query<{ id: string; allowed_origins: string[]; org: string }>(
      `select a.id, a.allowed_origins, o.name as org from agents a join organizations o on o.id = a.org_id
       where a.name = 'Ava'`,
    );
    expect(agent).toMatchObject({ allowed_origins: [stack.siteOrigin], org: 'Sunny Solar' });
    agentId = agent!.id;
    expect(new URL(page.url()).pathname).toBe(`/console/agents/${agentId}`);
  });

  it('gives the exact script tag with absolute URLs of this deployment and the ESM snippet', async () => {
    const [{ publishable_key: key }] = (await stack.db.query<{ publishable_key: string }>(
      'select publishable_key from agents where id = $1',
      [agentId],
    )) as [{ publishable_key: string }];
    const tag = await page.getByTestId('script-tag').textContent();
    expect(tag).toBe(`<script
  src="${stack.base}/widget/closer.js"
  data-key="${key}"
  data-api="${stack.base}/functions/v1"
  async
></script>`);
    const esm = await page.getByTestId('esm-snippet').textContent();
    expect(esm).toContain(`publishableKey: "${key}"`);
    expect(esm).toContain(`apiUrl: "${stack.base}/functions/v1"`);
    expect(esm).toContain("import { mount } from '@closer/widget';");
  });

  it("checks whether the widget loads on a page: this site's origin yes, another no", async () => {
    await field('Page address').fill(`${stack.siteOrigin}/shop/panels`);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('embed-verdict').textContent())
      .toContain(`Yes: ${stack.siteOrigin} is allowed`);
    await field('Page address').fill('https://elsewhere.example/page');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('embed-verdict').textContent())
      .toContain('No: https://elsewhere.example is not among the allowed sites');
    await field('Page address').fill('elsewhere.example');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect.poll(() => errorOf('Page address')).toContain('Enter a full address');
    expect(await axeViolations(page)).toEqual([]);
  });

  it("shows the contract's and the server's errors beside their fields and keeps every typed word", async () => {
    // Another agent of the organisation holds the slug "ben".
    const token = await page.evaluate(
      () =>
        (JSON.parse(localStorage.getItem('closer.console.localSession')!) as { accessToken: string })
          .accessToken,
    );
    const created = await fetch(`${stack.base}/functions/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ben', slug: 'ben' }),
    });
    expect(created.status).toBe(201);

    await page.getByRole('tab', { name: 'Conversation' }).click();
    const persona = 'You are Ava, a calm solar advisor at Sunny Solar. Never invent prices.';
    await field('Persona').fill(persona);
    await field('Greeting').fill('Hi! I am Ava. Ask me about solar panels.');
    await field('Temperature').fill('3');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    expect(await errorOf('Temperature')).toBeTruthy();
    expect(await page.getByRole('alert').first().textContent()).toContain('Some fields need attention');

    await field('Temperature').fill('0.3');
    await field('Slug').fill('ben');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => errorOf('Slug')).toBe('already used by another agent');
    expect(await field('Persona').inputValue()).toBe(persona);
    const [unsaved] = await stack.db.query<{ persona: string }>('select persona from agents where id = $1', [
      agentId,
    ]);
    expect(unsaved?.persona).toBe('');

    // Errors on another tab are counted on that tab.
    await page.getByRole('tab', { name: 'Access and limits' }).click();
    await page.getByRole('button', { name: 'Add a site' }).click();
    await field('Site 2').fill('https://*.com');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    expect(await errorOf('Site 2')).toContain('must be an origin');
    await page.getByRole('tab', { name: 'Conversation' }).click();
    expect(await page.getByRole('tab', { name: /Access and limits/ }).textContent()).toContain('1 to fix');
    await page.screenshot({ path: `${shots}agent-errors-1280.png`, fullPage: true });

    await field('Slug').fill('ava');
    await page.getByRole('tab', { name: /Access and limits/ }).click();
    await page.getByRole('button', { name: 'Remove: Site 2' }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved').first().waitFor();
    const [saved] = await stack.db.query<{
      persona: string;
      slug: string;
      temperature: number;
      greeting: string;
    }>('select persona, slug, temperature, greeting from agents where id = $1', [agentId]);
    expect(saved).toEqual({
      persona,
      slug: 'ava',
      temperature: 0.3,
      greeting: 'Hi! I am Ava. Ask me about solar panels.',
    });
  });

  it('lets the widget from the copied tag greet and chat on a page of another origin', async () => {
    await page.getByRole('tab', { name: 'Install' }).click();
    stack.sitePage.body = (await page.getByTestId('script-tag').textContent())!;
    const site = await stack.browser.newPage();
    const siteProblems: string[] = [];
    site.on('pageerror', (error) => siteProblems.push(error.message));
    await site.goto(`${stack.siteOrigin}/site/page`);
    await site.locator('closer-chat .bubble').click();
    await site.locator('closer-chat .msg.assistant', { hasText: 'Hi! I am Ava.' }).waitFor();
    await site.locator('closer-chat #closer-input').fill('How much do solar panels cost?');
    await site.locator('closer-chat #closer-input').press('Enter');
    const reply = site
      .locator('closer-chat .msg.assistant[data-status="complete"]:not([data-greeting])')
      .last();
    await reply.waitFor();
    expect((await reply.textContent())?.length).toBeGreaterThan(0);
    const messages = await stack.db.query<{ role: string; content: string }>(
      `select m.role, m.content from messages m join conversations c on c.id = m.conversation_id
       where c.agent_id = $1 order by m.created_at`,
      [agentId],
    );
    expect(messages[0]).toEqual({ role: 'user', content: 'How much do solar panels cost?' });
    expect(messages[1]?.role).toBe('assistant');
    expect(siteProblems).toEqual([]);
    await site.close();
  });

  it('makes a second organisation from the switcher and moves between the two', async () => {
    await page.getByRole('link', { name: 'New organisation' }).click();
    await page.getByRole('heading', { name: 'Welcome to Closer' }).waitFor();
    await field('Organisation name').fill('Second Shop');
    await field('Agent name').fill('Zed');
    await page.getByRole('button', { name: 'Create and continue' }).click();
    await page.getByRole('heading', { name: 'Zed', level: 1 }).waitFor();
    const switcher = page.getByLabel('Organisation', { exact: true });
    await expect.poll(() => switcher.locator('option:checked').textContent()).toBe('Second Shop');
    await switcher.selectOption({ label: 'Sunny Solar' });
    await page.getByRole('link', { name: 'Ava' }).waitFor();
    expect(await page.getByRole('link', { name: 'Zed' }).count()).toBe(0);
  });

  it('lists the agents, and stayed free of page errors', async () => {
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('link', { name: 'Ava' }).waitFor();
    expect(await page.getByRole('row').count()).toBe(3);
    expect(problems).toEqual([]);
  });
});
