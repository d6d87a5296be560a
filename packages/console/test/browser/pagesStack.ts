// The shell's test stack (stack.ts) with what the data pages' tests add: the demo organisation's secret key, to
// make conversations and leads through the API, and a tab already signed in as the demo owner at a page.
import { type DemoKeys, ensureDemoKeys } from '@closer/local/src/demoKeys.ts';
import type { Page } from 'playwright-core';
import { type ConsoleStack, openConsole, startConsoleStack } from './stack.ts';

export interface PagesStack extends ConsoleStack {
  demo: DemoKeys;
  /** A tab signed in as the demo owner, English, `width` px wide, at `path` under /console. */
  open(
    path: string,
    options?: { theme?: 'light' | 'dark'; width?: number },
  ): Promise<{ page: Page; problems: string[] }>;
}

export async function startPagesStack(): Promise<PagesStack> {
  const stack = await startConsoleStack();
  // Called again here only to learn the secret key (it is set anew: nothing else of this stack uses it).
  const demo = await ensureDemoKeys(stack.db, {}, null);
  return {
    ...stack,
    demo,
    async open(path, options = {}) {
      const { page, problems } = await openConsole(stack.browser, stack.consoleLink(), options);
      await page.getByRole('navigation').waitFor();
      await page.goto(`${stack.base}/console${path}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      return { page, problems };
    },
  };
}
