// Settings → Webhooks in real Chromium against the real local stack, as the demo owner: an endpoint added with
// its secret shown once, a chat's events delivered signed to a receiver on 127.0.0.1, the delivery log, a replay,
// disabling, and a rotated secret.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runWebhookJobs } from '@closer/functions/_shared/webhooks/worker.ts';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ConsoleStack, openConsole, startConsoleStack } from './stack.ts';

let stack: ConsoleStack;
let page: Page;
let problems: string[];
let receiver: Server;
let hookUrl = '';
const received: { headers: Record<string, string>; body: string }[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        headers: request.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(200).end('thanks');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/n8n`;
  stack = await startConsoleStack();
  ({ page, problems } = await openConsole(stack.browser, stack.consoleLink()));
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: 'Webhooks' }).click();
});
afterAll(async () => {
  await stack?.close();
  receiver?.close();
});

const deliver = () => runWebhookJobs({ db: stack.db, env: stack.env, fetch: globalThis.fetch });

it('adds an endpoint with its secret shown once, shows the signed deliveries, replays, disables and rotates', async () => {
  await page.getByLabel('URL', { exact: true }).fill(hookUrl);
  await page.getByLabel('Description', { exact: true }).fill('n8n flow');
  await page.getByRole('checkbox', { name: 'lead.created' }).uncheck();
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const secret = (await page.getByTestId('webhook-secret').textContent())!;
  expect(secret).toMatch(/^whsec_/);
  await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Copy');
  await page.getByRole('button', { name: 'I have stored it' }).click();
  const row = page.getByRole('row', { name: /n8n flow/ });
  await row.waitFor();
  expect(await page.locator('body').textContent()).not.toContain(secret);

  // A visitor starts a conversation; the worker delivers the event, signed with the secret the page showed.
  const [agent] = await stack.db.query<{ publishable_key: string }>(
    `select publishable_key from agents order by created_at limit 1`,
  );
  const chat = await fetch(`${stack.base}/functions/v1/chat`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${agent!.publishable_key}`,
      origin: stack.siteOrigin,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ message: 'Do you install heat pumps?' }),
  });
  expect(chat.status).toBe(200);
  expect((await deliver()).delivered).toBe(1);
  expect(new Webhook(secret).verify(received[0]!.body, received[0]!.headers)).toMatchObject({
    type: 'conversation.started',
  });

  await row.getByRole('button', { name: 'Deliveries' }).click();
  const log = page.getByRole('dialog');
  const delivered = log.getByRole('row', { name: /conversation\.started/ });
  await delivered.waitFor();
  expect(await delivered.textContent()).toContain('Delivered');
  expect(await delivered.textContent()).toContain('thanks');
  await delivered.getByRole('button', { name: 'Replay' }).click();
  await page.getByText('Queued again').waitFor();
  expect((await deliver()).delivered).toBe(1);
  expect(received.map((r) => r.headers['webhook-id'])).toEqual([
    received[0]!.headers['webhook-id'],
    received[0]!.headers['webhook-id'],
  ]);
  await log.getByRole('button', { name: 'Close' }).last().click();

  await row.getByRole('button', { name: 'Disable' }).click();
  await row.getByText('Disabled by a person').waitFor();
  const [stored] = await stack.db.query<{ enabled: boolean }>(
    `select enabled from webhook_endpoints where url = $1`,
    [hookUrl],
  );
  expect(stored?.enabled).toBe(false);

  await row.getByRole('button', { name: 'Rotate secret' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Rotate secret' }).click();
  const rotated = (await page.getByTestId('webhook-secret').textContent())!;
  expect(rotated).toMatch(/^whsec_/);
  expect(rotated).not.toBe(secret);
  await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Copy');
  await page.getByRole('button', { name: 'I have stored it' }).click();
  await row.getByText(/Previous secret signs until/).waitFor();
  expect(problems).toEqual([]);
});
