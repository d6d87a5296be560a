// Every page of the shell, Agents and Settings in real Chromium: axe-clean in light and dark, usable at 768 px
// (no sideways scrolling) and 1280 px, usable from the keyboard; the screenshots in docs/console/ come from here.
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, type ConsoleStack, openConsole, screenshotDir, startConsoleStack } from './stack.ts';

const shots = screenshotDir;
let stack: ConsoleStack;
let agentPath: string;

beforeAll(async () => {
  stack = await startConsoleStack();
  await mkdir(shots, { recursive: true });
  const [agent] = await stack.db.query<{ id: string }>(`select id from agents where language = 'en'`);
  agentPath = `/console/agents/${agent!.id}`;
});
afterAll(async () => stack?.close());

interface View {
  name: string;
  /** From a signed-in page at /console/, gets to the view. */
  open: (page: Page) => Promise<void>;
}

const tab = (name: string) => async (page: Page) => {
  await page.getByRole('tab', { name }).click();
  await page.getByRole('tab', { name, selected: true }).waitFor();
};
const go = (path: string, ready: (page: Page) => Promise<unknown>) => async (page: Page) => {
  await page.goto(`${stack.base}${path}`);
  await ready(page);
};
const heading = (name: string) => (page: Page) => page.getByRole('heading', { name, level: 1 }).waitFor();

const views: View[] = [
  { name: 'agents', open: go('/console/agents', (p) => p.getByRole('link', { name: /Maya/ }).waitFor()) },
  {
    name: 'agent-conversation',
    open: async (page) => {
      await go(agentPath, (p) => p.getByRole('tab', { name: 'Conversation', selected: true }).waitFor())(
        page,
      );
    },
  },
  { name: 'agent-leads', open: tab('Leads') },
  { name: 'agent-appearance', open: tab('Appearance') },
  { name: 'agent-access', open: tab('Access and limits') },
  { name: 'agent-install', open: tab('Install') },
  { name: 'settings-organisation', open: go('/console/settings', heading('Settings')) },
  { name: 'settings-members', open: tab('Members') },
  { name: 'settings-api-keys', open: tab('API keys') },
  { name: 'settings-kommo', open: tab('Kommo CRM') },
  { name: 'settings-webhooks', open: tab('Webhooks') },
  {
    name: 'onboarding',
    open: go('/console/onboarding', (p) => p.getByRole('heading', { name: 'Welcome to Closer' }).waitFor()),
  },
];

async function noSidewaysScroll(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

describe.each([1280, 768])('at %i px', (width) => {
  it.each(['light', 'dark'] as const)('every page is axe-clean in the %s theme', async (theme) => {
    const { page, context, problems } = await openConsole(stack.browser, stack.consoleLink(), {
      width,
      theme,
    });
    await page.getByRole('link', { name: /Maya/ }).waitFor();
    const found: Record<string, string[]> = {};
    for (const view of views) {
      await view.open(page);
      const violations = await axeViolations(page);
      if (violations.length > 0) found[view.name] = violations;
      expect(await noSidewaysScroll(page), `${view.name} scrolls sideways at ${width} px`).toBe(true);
      if (theme === 'light' || view.name === 'agent-appearance')
        await page.screenshot({
          path: `${shots}${view.name}${theme === 'dark' ? '-dark' : ''}-${width}.png`,
          fullPage: true,
        });
    }
    expect(found).toEqual({});
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('before signing in', () => {
  it.each(['light', 'dark'] as const)('the sign-in page is axe-clean in the %s theme', async (theme) => {
    for (const width of [1280, 768]) {
      const { page, context } = await openConsole(stack.browser, `${stack.base}/console/`, { width, theme });
      await page.getByRole('heading', { name: 'Sign in to the local stack' }).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      if (theme === 'light') await page.screenshot({ path: `${shots}sign-in-${width}.png`, fullPage: true });
      await context.close();
    }
  });

  it('says a used link is used, and signs in with an e-mail instead', async () => {
    const link = stack.consoleLink();
    const first = await openConsole(stack.browser, link);
    await first.page.getByRole('link', { name: 'Agents' }).waitFor();
    await first.context.close();
    const { page, context } = await openConsole(stack.browser, link);
    await page.getByText('This sign-in link was used or has expired').waitFor();
    await page.getByLabel('E-mail').fill('owner@demo.closer.local');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Agents' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the local stack' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('closer.console.localSession'))).toBeNull();
    await context.close();
  });
});

describe('keyboard and preferences', () => {
  it('is usable from the keyboard: skip link, arrow keys across tabs, Escape closes a dialog', async () => {
    const { page, context } = await openConsole(stack.browser, stack.consoleLink());
    await page.getByRole('link', { name: /Maya/ }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => location.hash)).toBe('#main');

    await page.goto(`${stack.base}${agentPath}`);
    await page.getByRole('tab', { name: 'Conversation', selected: true }).focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tab', { name: 'Leads', selected: true }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Leads');
    await page.keyboard.press('End');
    await page.getByRole('tab', { name: 'Install', selected: true }).waitFor();

    await page.getByRole('button', { name: 'Rotate the key' }).press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await context.close();
  });

  it('follows the system theme until one is chosen, and speaks Russian when asked', async () => {
    const { page, context } = await openConsole(stack.browser, stack.consoleLink(), { theme: 'dark' });
    await page.getByRole('link', { name: /Maya/ }).waitFor();
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background()).toBe('rgb(20, 21, 26)');
    await page.getByLabel('Theme').selectOption('light');
    expect(await background()).toBe('rgb(247, 247, 249)');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await page.getByLabel('Language').selectOption('ru');
    await page.getByRole('link', { name: 'Агенты' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ru');
    await page.reload();
    await page.getByRole('link', { name: 'Настройки' }).waitFor();
    expect(await background()).toBe('rgb(247, 247, 249)');
    await context.close();
  });
});
