// The Conversations, Leads, Dashboard, Knowledge and Scripts pages in Chromium against the local stack: a conversation and a lead made
// through the API appear, a transcript shows how replies ended, the CSV export downloads and parses back, the
// dashboard shows the figures; axe in light and dark; screenshots at 768 and 1280 px for docs/console.md.
import { mkdir, readFile } from 'node:fs/promises';
import { runSourceJobs } from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { createClient } from '@closer/sdk';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type PagesStack, startPagesStack } from './pagesStack.ts';
import { axeViolations, screenshotDir } from './stack.ts';

// docs/console/ with CLOSER_UPDATE_SCREENSHOTS=1, else test-results/ (stack.ts).
const shots = screenshotDir;
let stack: PagesStack;
let conversationId = '';
let quietId = '';

beforeAll(async () => {
  stack = await startPagesStack();
  await mkdir(shots, { recursive: true });
  const closer = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
  const agent = stack.demo.agents.find((a) => a.language === 'en')!;
  // A visitor asks, leaves details (a phone number a spreadsheet would read as a formula), and is answered.
  const reply = await closer.chat.send({
    agentId: agent.id,
    message: 'Do you install panels in Tucson?',
    visitor: { name: 'Rosa Díaz', email: 'rosa@example.com' },
  });
  conversationId = reply.conversationId;
  await closer.chat.submitLead({
    agentId: agent.id,
    conversationId,
    fields: { name: 'Rosa Díaz', email: 'rosa@example.com', phone: '+1 520 555 0100' },
  });
  // Another visitor leaves while the reply streams: stored as interrupted.
  const stream = closer.chat.stream({ agentId: agent.id, message: 'How much could I save a year?' });
  for await (const event of stream) {
    if (event.type === 'start') quietId = event.data.conversationId;
    if (event.type === 'delta') stream.abort();
  }
  // Stored as interrupted once the server notices the visitor left: however long a loaded machine takes
  // (vi.waitFor, not expect.poll, which only runs inside a test).
  await vi.waitFor(
    async () => {
      const status = (await closer.conversations.retrieve(quietId)).messages.at(-1)?.status;
      if (status !== 'interrupted') throw new Error(`the abandoned reply is ${status}, not yet interrupted`);
    },
    { timeout: 60_000, interval: 100 },
  );
}, 120_000);
afterAll(async () => stack?.close());

/** Opens `path` signed in; the test ends with `done()`, which also checks the page logged no errors. */
async function visit(path: string, options: { theme?: 'light' | 'dark'; width?: number } = {}) {
  const { page, problems } = await stack.open(path, options);
  const done = async () => {
    expect(problems).toEqual([]);
    await page.context().close();
  };
  return { tab: page, done };
}

describe('Conversations', () => {
  it('lists the API’s conversation, finds it by its words and opens its transcript with the lead', async () => {
    const { tab, done } = await visit('/conversations');
    const table = tab.getByRole('table', { name: 'Conversations' });
    await expect.poll(() => table.getByRole('row').count()).toBeGreaterThanOrEqual(3);
    await expect.poll(() => table.textContent()).toContain('Rosa Díaz');

    await tab.getByLabel('Search messages').fill('tucson');
    await tab.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    await table.getByRole('link').first().click();

    await tab.getByRole('heading', { name: 'Conversation with Rosa Díaz' }).waitFor();
    const log = tab.getByRole('log', { name: 'Messages' });
    await expect.poll(() => log.textContent()).toContain('Do you install panels in Tucson?');
    const lead = tab.getByRole('region', { name: 'Lead' });
    expect(await lead.textContent()).toContain('rosa@example.com');
    expect(await lead.textContent()).toContain('Not sent (Kommo not connected)');
    await done();
  });

  it('shows new messages of an active conversation without a reload (polling)', async () => {
    const closer = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
    const agent = stack.demo.agents.find((a) => a.language === 'en')!;
    const first = await closer.chat.send({ agentId: agent.id, message: 'Do you work in Arizona?' });
    const { tab, done } = await visit(`/conversations/${first.conversationId}`);
    const log = tab.getByRole('log', { name: 'Messages' });
    await expect.poll(() => log.textContent()).toContain('Do you work in Arizona?');
    await closer.chat.send({
      agentId: agent.id,
      conversationId: first.conversationId,
      message: 'And in Flagstaff?',
    });
    await expect.poll(() => log.textContent()).toContain('And in Flagstaff?');
    await done();
  });

  it('shows a reply cut short as interrupted', async () => {
    const { tab, done } = await visit(`/conversations/${quietId}`);
    await expect.poll(() => tab.getByTestId('reply-note').textContent()).toContain('Interrupted');
    await done();
  });
});

describe('Leads', () => {
  it('shows the lead with its CRM state; sending to Kommo again explains why it cannot', async () => {
    const { tab, done } = await visit('/leads');
    const table = tab.getByRole('table', { name: 'Leads' });
    await expect.poll(() => table.textContent()).toContain('rosa@example.com');
    await table.getByRole('button', { name: 'Send to Kommo again' }).first().click();
    await expect.poll(() => tab.getByRole('alert').first().textContent()).toContain('Kommo is not connected');
    await done();
  });

  it('downloads the leads and the conversations as CSV that parses back (BOM, quoting, formula guard)', async () => {
    const { tab, done } = await visit('/leads');
    const [leads] = await Promise.all([
      tab.waitForEvent('download'),
      tab.getByRole('button', { name: 'Download leads' }).click(),
    ]);
    expect(leads.suggestedFilename()).toMatch(/^leads-from-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv$/);
    const bytes = await readFile((await leads.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(bytes.subarray(3), { columns: true }) as Record<string, string>[];
    expect(rows.find((r) => r.email === 'rosa@example.com')).toMatchObject({
      name: 'Rosa Díaz',
      phone: "'+1 520 555 0100",
      crmState: 'not_connected',
    });

    const [conversations] = await Promise.all([
      tab.waitForEvent('download'),
      tab.getByRole('button', { name: 'Download conversations with messages' }).click(),
    ]);
    const text = (await readFile((await conversations.path())!)).subarray(3);
    const messages = parse(text, { columns: true }) as Record<string, string>[];
    expect(
      messages
        .filter((m) => m.conversationId === conversationId)
        .map((m) => [m.role, (m.content ?? '').slice(0, 20)]),
    ).toEqual([
      ['user', 'Do you install panel'],
      ['assistant', expect.any(String)],
    ]);
    expect(messages.find((m) => m.conversationId === quietId && m.role === 'assistant')?.messageStatus).toBe(
      'interrupted',
    );
    await done();
  });
});

describe('Dashboard', () => {
  it('shows the period’s figures as numbers, a chart and tables', async () => {
    const { tab, done } = await visit('/dashboard');
    const totals = tab.getByTestId('totals');
    await expect.poll(() => totals.textContent()).toMatch(/Conversations\s*\d+/);
    const closer = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
    // The page asks in the browser's own time zone by default: the API asked the same must agree.
    const tz = await tab.getByLabel('Time zone').inputValue();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date());
    const stats = await closer.dashboard.retrieve({ from: today, to: today, tz });
    expect(stats.totals.conversations).toBeGreaterThanOrEqual(2);
    expect(await totals.textContent()).toContain(`Conversations${stats.totals.conversations}`);
    expect(await totals.textContent()).toContain(`Leads${stats.totals.leads}`);
    const daily = tab.getByRole('table', { name: 'Conversations and leads per day' });
    await expect.poll(() => daily.getByRole('row').count()).toBe(31);
    await tab.locator('.daily-chart canvas').waitFor();
    await done();
  });
});

describe('Knowledge', () => {
  it('adds an item, finds it, edits it, pastes many, and writes an article with a safe preview', async () => {
    const { tab, done } = await visit('/knowledge');
    const agent = stack.demo.agents.find((a) => a.language === 'en')!;
    await tab.getByLabel('Agent', { exact: true }).selectOption(agent.id);
    await tab.getByRole('button', { name: 'Add an item' }).click();
    const dialog = tab.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();
    // The contract's own check, beside the field, before anything is sent; what was typed stays.
    await expect.poll(() => dialog.getByText('must not be empty').count()).toBeGreaterThanOrEqual(1);
    await dialog.getByLabel('Title').fill('Wall charger');
    await dialog.getByLabel('Content').fill('A 11 kW wall charger fills a car overnight.');
    await dialog.getByLabel('Tags').fill('charger, car');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await tab.getByRole('heading', { name: 'Wall charger' }).waitFor();

    await tab.getByLabel('Search this agent’s knowledge').fill('overnight');
    await expect.poll(() => tab.locator('.knowledge-item').count()).toBe(1);
    await tab.getByRole('button', { name: 'Edit Wall charger' }).click();
    await dialog.getByLabel('Title').fill('Home charger');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await tab.getByLabel('Search this agent’s knowledge').fill('');
    await tab.getByRole('heading', { name: 'Home charger' }).waitFor();
    expect(await tab.getByRole('heading', { name: 'Wall charger' }).count()).toBe(0);

    await tab.getByRole('button', { name: 'Paste many' }).click();
    await dialog
      .getByLabel('Items as Markdown')
      .fill('# Warranty\n25 years on panels.\n# Permits\nWe file them for you.');
    await dialog.getByRole('button', { name: 'Add items (2)' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await tab.getByRole('heading', { name: 'Permits' }).waitFor();

    const closer = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
    const titles: string[] = [];
    for await (const item of closer.agents.knowledge.list(agent.id)) titles.push(item.title);
    expect(titles).toEqual(expect.arrayContaining(['Home charger', 'Warranty', 'Permits']));
    expect(titles).not.toContain('Wall charger');

    await tab.getByRole('tab', { name: 'Knowledge base' }).click();
    await tab.getByRole('button', { name: 'New article' }).click();
    await dialog.getByLabel('Title').fill('Financing');
    await dialog
      .getByLabel('Content')
      .fill(
        '# Loans\n\n**0%** for 12 months. <img src=x onerror="window.hacked=1"> [apply](javascript:window.hacked=1)',
      );
    await dialog.getByRole('tab', { name: 'Preview' }).click();
    const preview = dialog.getByTestId('article-preview');
    await preview.getByRole('heading', { name: 'Loans' }).waitFor();
    expect(await preview.locator('strong').textContent()).toBe('0%');
    expect(await preview.locator('img').count()).toBe(0);
    // micromark keeps the link text and empties a dangerous URL.
    expect(
      await preview.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href'))),
    ).toEqual(['']);
    expect(await tab.evaluate(() => (window as { hacked?: number }).hacked)).toBeUndefined();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await tab.getByRole('button', { name: 'Edit Financing' }).waitFor();
    await done();
  });
});

describe('Knowledge base sources', () => {
  it('adds a page to a category, shows it syncing then ready, its runs, and deletes it', async () => {
    const closer = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
    const category = await closer.knowledgeBase.categories.create({ name: 'Website pages' });
    const { tab, done } = await visit('/knowledge');
    await tab.getByRole('tab', { name: 'Knowledge base' }).click();
    const section = tab.getByRole('region', { name: 'Sources' });
    await section.getByLabel('Category').selectOption(category.id);
    await section.getByText('No sources in this category yet').waitFor();
    await section.getByLabel('Address').fill(`${stack.base}/site/page`);
    await section.getByRole('button', { name: 'Add the source' }).click();
    await section.getByText('Waiting to be read').waitFor();
    // The worker runs here (the stack runs none); the list reads itself again while a source syncs.
    await runSourceJobs({ db: stack.db, env: { ALLOW_PRIVATE_CRAWL: 'true' }, fetch, uploads: null });
    await section.getByText('Ready: 1 articles').waitFor();
    await section.getByRole('button', { name: `Runs ${stack.base}/site/page` }).click();
    await section.getByText(/succeeded: 1 added, 0 updated, 0 removed, 0 failed/).waitFor();
    const [article] = (await closer.knowledgeBase.articles.list({ categoryId: category.id })).data;
    expect(article).toMatchObject({ title: 'Sunny Solar', source: `${stack.base}/site/page` });
    await section.getByRole('button', { name: `Delete ${stack.base}/site/page` }).click();
    await tab.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await section.getByText('No sources in this category yet').waitFor();
    expect((await closer.knowledgeBase.articles.list({ categoryId: category.id })).data).toEqual([]);
    await done();
  });
});

describe('Scripts', () => {
  it('adds an objection answer (its errors beside the fields, nothing typed lost), edits a script, deletes the answer', async () => {
    const { tab, done } = await visit('/scripts');
    const agent = stack.demo.agents.find((a) => a.language === 'en')!;
    await tab.getByLabel('Agent', { exact: true }).selectOption(agent.id);
    await tab.getByRole('button', { name: 'Add an objection answer' }).click();
    const dialog = tab.getByRole('dialog');
    await dialog.getByLabel('Objection').fill('Battery prices will drop next year');
    await dialog.getByLabel('Keywords').fill('expensive, price');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const answer = dialog.getByLabel('Answer');
    await expect.poll(() => answer.getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.getByLabel('Objection').inputValue()).toBe('Battery prices will drop next year');
    await answer.fill('Most homes pay it back in 7 years; financing starts at $0 down.');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await tab.getByRole('button', { name: 'Edit Battery prices will drop next year', exact: true }).waitFor();

    const closer = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
    const [script] = (await closer.agents.scripts.list(agent.id)).data;
    await tab.getByRole('button', { name: `Edit ${script!.name}`, exact: true }).click();
    await dialog.getByLabel('Name').fill('Book the free survey');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await tab.getByRole('button', { name: 'Edit Book the free survey', exact: true }).waitFor();
    const objections = (await closer.agents.objections.list(agent.id, { limit: 100 })).data;
    expect(objections.find((o) => o.objection === 'Battery prices will drop next year')).toMatchObject({
      keywords: ['expensive', 'price'],
    });

    // Deleting asks first, names what goes, and the list and the API agree afterwards.
    await tab.getByRole('button', { name: 'Delete Battery prices will drop next year', exact: true }).click();
    const confirm = tab.getByRole('dialog');
    expect(await confirm.getByRole('heading').textContent()).toContain('Battery prices will drop next year');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await tab.getByRole('button', { name: 'Edit Battery prices will drop next year', exact: true }).waitFor({
      state: 'detached',
    });
    const left = (await closer.agents.objections.list(agent.id, { limit: 100 })).data;
    expect(left.map((o) => o.objection)).not.toContain('Battery prices will drop next year');
    expect(left.length).toBe(objections.length - 1);
    await done();
  });
});

const pages = [
  ['conversations', '/conversations'],
  ['transcript', () => `/conversations/${conversationId}`],
  ['leads', '/leads'],
  ['dashboard', '/dashboard'],
  ['knowledge', '/knowledge'],
  ['scripts', '/scripts'],
] as const;

describe.each(pages)('%s page', (name, path) => {
  it.each(['light', 'dark'] as const)('has no axe violations in %s', async (theme) => {
    const { tab, done } = await visit(typeof path === 'string' ? path : path(), { theme });
    await expect.poll(() => tab.locator('.state-loading').count()).toBe(0);
    if (name === 'dashboard') await tab.locator('.daily-chart canvas').waitFor();
    expect(await axeViolations(tab)).toEqual([]);
    await done();
  });

  it.each([768, 1280])('is drawn at %i px for the docs', async (width) => {
    const { tab, done } = await visit(typeof path === 'string' ? path : path(), { width });
    await expect.poll(() => tab.locator('.state-loading').count()).toBe(0);
    if (name === 'dashboard') await tab.locator('.daily-chart canvas').waitFor();
    await tab.screenshot({ path: `${shots}${name}-${width}.png`, fullPage: true });
    await done();
  });
});
